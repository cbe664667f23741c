"""The example GitOps repository (bases/ + overlays/): snapshots and Kustomize parity."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ["dev", "staging", "prod"]


def _lamina() -> list[str]:
    script = Path(sys.executable).parent / "lamina"
    if script.exists():
        return [str(script)]
    found = shutil.which("lamina")
    if found is None:
        pytest.skip("the lamina command is not installed")
    return [found]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overlay_matches_snapshots(env: str, lamina_snapshot) -> None:
    lamina_snapshot.assert_build(f"overlays/{env}")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lamina_build_prints_what_kubectl_kustomize_prints(env: str, kubectl: str) -> None:
    overlay = str(ROOT / "overlays" / env)
    expected = subprocess.run([kubectl, "kustomize", overlay], capture_output=True, check=True)
    actual = subprocess.run([*_lamina(), "build", overlay], capture_output=True)
    assert actual.stderr.decode() == ""
    assert actual.returncode == 0
    assert actual.stdout == expected.stdout
