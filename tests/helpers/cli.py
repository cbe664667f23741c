"""Running the lamina CLI and the kubectl oracle as subprocesses, the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

# The interpreter running the tests, so no activated venv or `lamina` on PATH is needed.
LAMINA = (sys.executable, "-m", "lamina.cli.main")
# The `kubectl_kustomize` fixture: run_kustomize with the oracle filled in.
KubectlKustomize = Callable[..., subprocess.CompletedProcess[str]]


def run_lamina(*args: str | os.PathLike[str], cwd: Path | None = None,
               env: dict[str, str] | None = None, input: str | None = None,
               check: bool = False) -> subprocess.CompletedProcess[str]:
    """`lamina ARGS...` with text output captured. With `check`, a non-zero exit fails the
    test showing lamina's stderr; without, the caller looks at the exit status."""
    proc = subprocess.run([*LAMINA, *map(str, args)], cwd=cwd, env=env, input=input,
                          capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def run_kustomize(kubectl: str, directory: Path,
                  check: bool = False) -> subprocess.CompletedProcess[str]:
    """`kubectl kustomize DIRECTORY` with the oracle; with `check`, a failure fails the test."""
    proc = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True,
                          text=True, errors="replace")
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
