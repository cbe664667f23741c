"""Checks as a gate for render/publish, and the report formats."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

# Passes every error-level check; warns (no probes, no resources).
BASE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
      - name: web
        image: nginx:1.25
"""

SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n"


def _tree(tmp_path: Path, with_secret: bool) -> Path:
    resources = "[deploy.yaml, secret.yaml]" if with_secret else "[deploy.yaml]"
    return write_tree(tmp_path / "p", {
        "base/kustomization.yaml": f"resources: {resources}\n",
        "base/deploy.yaml": BASE, "base/secret.yaml": SECRET,
        "overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
    })


def test_render_stops_before_writing_when_a_check_errors(tmp_path: Path) -> None:
    root = _tree(tmp_path, with_secret=True)
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 1
    assert "[plaintext-secret]" in proc.stderr and "hunter2" not in proc.stderr
    assert not (root / "rendered").exists()


def test_allow_plaintext_secrets_per_environment(tmp_path: Path) -> None:
    root = _tree(tmp_path, with_secret=True)
    (root / "lamina.yaml").write_text("environments:\n- name: prod\n  allowPlaintextSecrets: true\n")
    assert run_lamina("render", cwd=root).returncode == 0


def test_check_formats(tmp_path: Path) -> None:
    root = _tree(tmp_path, with_secret=True)
    data = json.loads(run_lamina("check", "--format", "json", cwd=root).stdout)
    assert data["summary"]["errors"] >= 1
    assert {f["check"] for f in data["findings"]} >= {"plaintext-secret"}
    sarif = json.loads(run_lamina("check", "--format", "sarif", cwd=root).stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    github = run_lamina("check", "--format", "github", cwd=root).stdout
    # the line of the first plaintext key, not the document's first line
    assert github.startswith("::error file=base/secret.yaml,line=6,")
    text = run_lamina("check", cwd=root)
    assert text.returncode == 1 and "errors" in text.stdout
    for out in (json.dumps(data), json.dumps(sarif), github, text.stdout):
        assert "hunter2" not in out


def test_warnings_fail_only_under_strict(tmp_path: Path) -> None:
    root = _tree(tmp_path, with_secret=False)
    proc = run_lamina("check", cwd=root)
    assert proc.returncode == 0 and "warnings" in proc.stdout     # BASE has no probes: warnings
    assert run_lamina("check", "--strict", cwd=root).returncode == 1


def test_example_repository_passes_the_default_preset() -> None:
    repo = Path(__file__).resolve().parents[2]
    proc = run_lamina("check", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors, 0 warnings" in proc.stdout
