"""Helpers for the YAML tests: a resource wrapper and its kustomization.

The `kustomize` fixture (tests/yaml/conftest.py) runs the oracle on what `write_resource` writes.
"""

from __future__ import annotations

from pathlib import Path

HEADER = "apiVersion: example.com/v1\nkind: Probe\nmetadata:\n  name: x\n"


def resource(spec_yaml: str) -> str:
    """A resource whose `spec:` holds `spec_yaml` (already indented by two spaces)."""
    return HEADER + "spec:\n" + spec_yaml


def write_resource(workdir: Path, resource_text: str) -> Path:
    """A kustomization in `workdir` listing one file holding `resource_text`."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "r.yaml").write_text(resource_text, encoding="utf-8")
    (workdir / "kustomization.yaml").write_text("resources:\n- r.yaml\n", encoding="utf-8")
    return workdir
