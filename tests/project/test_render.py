"""`lamina render`: layout, pruning, ownership, --check, incremental runs, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.trees import write_tree
from tests.helpers.cli import KubectlKustomize, run_lamina
from tests.helpers.project import DEPLOYMENT, overlay, write_project


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", {"dev": 1, "prod": 3})


def test_layout_one_file_per_resource_with_kustomization_readme_metadata(root: Path) -> None:
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "rendered 2 environments" in proc.stderr
    prod = root / "rendered" / "prod"
    assert (prod / "prod" / "deployment-web.yaml").read_text().count("replicas: 3") == 1
    assert "prod/deployment-web.yaml" in (prod / "kustomization.yaml").read_text()
    assert "lamina build overlays/prod" in (prod / "README.md").read_text()
    meta = json.loads((prod / "hydrator.metadata").read_text())
    assert "base/deploy.yaml" in meta["lamina"]["inputs"]
    assert set(meta) >= {"repoURL", "drySha", "commands"}


def test_rendered_folder_builds_like_the_overlay(root: Path, kubectl_kustomize: KubectlKustomize) -> None:
    run_lamina("render", cwd=root)
    rendered = kubectl_kustomize(root / "rendered" / "dev", check=True).stdout
    assert rendered == run_lamina("build", "overlays/dev", cwd=root).stdout


def test_output_is_deterministic(root: Path, tmp_path: Path) -> None:
    run_lamina("render", cwd=root)
    first = {p.relative_to(root): p.read_bytes() for p in (root / "rendered").rglob("*") if p.is_file()}
    import shutil
    shutil.rmtree(root / "rendered")
    proc = run_lamina("render", "--jobs", "1", cwd=root,
                      env={"PYTHONHASHSEED": "123", "TZ": "Asia/Tokyo", "LC_ALL": "C",
                           "PATH": os.environ.get("PATH", os.defpath)})
    assert proc.returncode == 0, proc.stderr
    second = {p.relative_to(root): p.read_bytes() for p in (root / "rendered").rglob("*") if p.is_file()}
    assert first == second


def test_stale_files_are_pruned_but_foreign_files_kept(root: Path) -> None:
    run_lamina("render", cwd=root)
    (root / "rendered" / "prod" / "notes.txt").write_text("mine\n")
    write_tree(root, {"base/deploy.yaml": DEPLOYMENT.replace("name: web", "name: api", 1),
                      "overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
                      "overlays/dev/kustomization.yaml": "resources: [../../base]\nnamespace: dev\n"})
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert not (root / "rendered" / "prod" / "prod" / "deployment-web.yaml").exists()
    assert (root / "rendered" / "prod" / "prod" / "deployment-api.yaml").exists()
    assert (root / "rendered" / "prod" / "notes.txt").read_text() == "mine\n"


def test_check_names_out_of_date_files(root: Path) -> None:
    run_lamina("render", cwd=root)
    assert run_lamina("render", "--check", cwd=root).returncode == 0
    write_tree(root, {"overlays/prod/kustomization.yaml": overlay("prod", 4)})
    proc = run_lamina("render", "--check", cwd=root)
    assert proc.returncode == 1
    assert "prod/prod/deployment-web.yaml" in proc.stderr


def test_only_changed_environments_render_again(root: Path) -> None:
    run_lamina("render", cwd=root)
    write_tree(root, {"overlays/prod/kustomization.yaml": overlay("prod", 5)})
    proc = run_lamina("render", cwd=root)
    assert "(prod)" in proc.stderr and "1 unchanged" in proc.stderr


def test_interrupted_write_is_completed_by_the_next_run(root: Path) -> None:
    from lamina.project.writer import JOURNAL, write_tree as write_out
    out = root / "out"
    write_out(str(out), {"a.yaml": "a: 1\n"})
    (out / "a.yaml.lamina-tmp").write_text("a: 2\n")
    (out / JOURNAL).write_text(json.dumps({"rename": ["a.yaml"], "remove": [],
                                           "ledger": ["a.yaml"]}))
    write_out(str(out), {"a.yaml": "a: 2\n", "b.yaml": "b: 1\n"})
    assert (out / "a.yaml").read_text() == "a: 2\n"
    assert not (out / JOURNAL).exists()


@pytest.mark.parametrize("project_file, message", [
    ("environments:\n- name: dev\n  overlay: overlays/nope\n", "has no kustomization"),
    ("environments:\n- name: dev\n- name: dev\n", "declared twice"),
    ("output:\n  dir: ../elsewhere\n", "outside the project root"),
    ("environments:\n- name: dev\n  colour: blue\n", "unknown key 'colour'"),
])
def test_bad_project_files_are_refused_with_file_and_line(root: Path, project_file: str,
                                                          message: str) -> None:
    (root / "lamina.yaml").write_text(project_file)
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 1
    assert message in proc.stderr and "lamina.yaml:" in proc.stderr
    assert not (root / "rendered").exists()


def test_render_refuses_output_outside_the_repo(root: Path, tmp_path: Path) -> None:
    proc = run_lamina("render", "-o", str(tmp_path / "elsewhere"), cwd=root)
    assert proc.returncode == 1 and "outside the project root" in proc.stderr
