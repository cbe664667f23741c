"""Running the lamina CLI and the kubectl oracle as subprocesses, the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The interpreter running the tests, so no activated venv or `lamina` on PATH is needed.
LAMINA = (sys.executable, "-m", "lamina.cli.main")


def run_lamina(*args: str | os.PathLike[str], cwd: Path | None = None,
               env: dict[str, str] | None = None,
               input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`lamina ARGS...` with text output captured; never raises on a non-zero exit."""
    return subprocess.run([*LAMINA, *map(str, args)], cwd=cwd, env=env, input=input,
                          capture_output=True, text=True)


def run_kustomize(kubectl: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """`kubectl kustomize DIRECTORY` with the oracle; never raises on a non-zero exit."""
    return subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True,
                          text=True, errors="replace")
