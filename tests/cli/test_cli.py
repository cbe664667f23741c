"""The command line: exit codes, messages, output files."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""
SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
"""


def test_build_prints_documents(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [d.yaml]\n", "d.yaml": DEPLOY})
    proc = run_lamina("build", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == DEPLOY


def test_user_error_exits_1_with_one_message_and_no_traceback(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [missing.yaml]\n"})
    proc = run_lamina("build", str(tmp_path))
    assert proc.returncode == 1
    assert "missing.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [d.yaml]\n",
                          "d.yaml": "kind: Deployment\nmetadata:\n  name: [x\n"})
    proc = run_lamina("build", str(tmp_path))
    assert proc.returncode == 1
    assert "d.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    proc = run_lamina("build", "--no-such-flag", str(tmp_path))
    assert proc.returncode == 2


def test_output_directory_gets_one_file_per_resource(tmp_path: Path) -> None:
    write_tree(tmp_path, {"k/kustomization.yaml": "resources: [d.yaml, s.yaml]\n",
                          "k/d.yaml": DEPLOY, "k/s.yaml": SVC})
    out = tmp_path / "out"
    out.mkdir()
    proc = run_lamina("build", str(tmp_path / "k"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["apps_v1_deployment_web.yaml", "v1_service_web.yaml"]
    assert (out / "apps_v1_deployment_web.yaml").read_text() == DEPLOY


def test_output_file_is_not_written_on_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"k/kustomization.yaml": "resources: [missing.yaml]\n"})
    out = tmp_path / "out.yaml"
    proc = run_lamina("build", str(tmp_path / "k"), "-o", str(out))
    assert proc.returncode == 1
    assert not out.exists()
