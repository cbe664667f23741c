"""Helpers for the YAML tests: a resource wrapper and the `kubectl kustomize` oracle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = "apiVersion: example.com/v1\nkind: Probe\nmetadata:\n  name: x\n"


def _find_kubectl() -> str | None:
    beside = Path(sys.executable).parent / "kubectl"
    if beside.exists():
        return str(beside)
    return shutil.which("kubectl")


KUBECTL = _find_kubectl()
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (the Kustomize oracle) is not installed")


def resource(spec_yaml: str) -> str:
    """A resource whose `spec:` holds `spec_yaml` (already indented by two spaces)."""
    return HEADER + "spec:\n" + spec_yaml


def kustomize(workdir: Path, resource_text: str) -> subprocess.CompletedProcess:
    """Run `kubectl kustomize` on a kustomization listing one file holding `resource_text`."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "r.yaml").write_text(resource_text, encoding="utf-8")
    (workdir / "kustomization.yaml").write_text("resources:\n- r.yaml\n", encoding="utf-8")
    return subprocess.run(
        [KUBECTL, "kustomize", str(workdir)], capture_output=True, text=True, timeout=60
    )
