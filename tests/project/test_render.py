"""`lamina render`: layout, pruning, ownership, --check, incremental runs, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.trees import write_tree
from tests.publish.conftest import BASE

LAMINA = [sys.executable, "-m", "lamina.cli.main"]


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LAMINA, *args], cwd=root, capture_output=True, text=True)


def overlay(env: str, replicas: int) -> str:
    return (f"resources: [../../base]\nnamespace: {env}\n"
            f"replicas:\n- name: web\n  count: {replicas}\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": BASE,
        "overlays/dev/kustomization.yaml": overlay("dev", 1),
        "overlays/prod/kustomization.yaml": overlay("prod", 3),
    })


def test_layout_one_file_per_resource_with_kustomization_readme_metadata(root: Path) -> None:
    proc = run(root, "render")
    assert proc.returncode == 0, proc.stderr
    assert "rendered 2 environments" in proc.stderr
    prod = root / "rendered" / "prod"
    assert (prod / "prod" / "deployment-web.yaml").read_text().count("replicas: 3") == 1
    assert "prod/deployment-web.yaml" in (prod / "kustomization.yaml").read_text()
    assert "lamina build overlays/prod" in (prod / "README.md").read_text()
    meta = json.loads((prod / "hydrator.metadata").read_text())
    assert "base/deploy.yaml" in meta["lamina"]["inputs"]
    assert set(meta) >= {"repoURL", "drySha", "commands"}


def test_rendered_folder_builds_like_the_overlay(root: Path, kubectl: str) -> None:
    run(root, "render")
    rendered = subprocess.run([kubectl, "kustomize", str(root / "rendered" / "dev")],
                              capture_output=True, text=True, check=True).stdout
    assert rendered == run(root, "build", "overlays/dev").stdout


def test_output_is_deterministic(root: Path, tmp_path: Path) -> None:
    run(root, "render")
    first = {p.relative_to(root): p.read_bytes() for p in (root / "rendered").rglob("*") if p.is_file()}
    import shutil
    shutil.rmtree(root / "rendered")
    proc = subprocess.run([*LAMINA, "render", "--jobs", "1"], cwd=root, capture_output=True,
                          text=True, env={"PYTHONHASHSEED": "123", "TZ": "Asia/Tokyo",
                                          "LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    second = {p.relative_to(root): p.read_bytes() for p in (root / "rendered").rglob("*") if p.is_file()}
    assert first == second


def test_stale_files_are_pruned_but_foreign_files_kept(root: Path) -> None:
    run(root, "render")
    (root / "rendered" / "prod" / "notes.txt").write_text("mine\n")
    write_tree(root, {"base/deploy.yaml": BASE.replace("name: web", "name: api", 1),
                      "overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
                      "overlays/dev/kustomization.yaml": "resources: [../../base]\nnamespace: dev\n"})
    proc = run(root, "render")
    assert proc.returncode == 0, proc.stderr
    assert not (root / "rendered" / "prod" / "prod" / "deployment-web.yaml").exists()
    assert (root / "rendered" / "prod" / "prod" / "deployment-api.yaml").exists()
    assert (root / "rendered" / "prod" / "notes.txt").read_text() == "mine\n"


def test_check_names_out_of_date_files(root: Path) -> None:
    run(root, "render")
    assert run(root, "render", "--check").returncode == 0
    write_tree(root, {"overlays/prod/kustomization.yaml": overlay("prod", 4)})
    proc = run(root, "render", "--check")
    assert proc.returncode == 1
    assert "prod/prod/deployment-web.yaml" in proc.stderr


def test_only_changed_environments_render_again(root: Path) -> None:
    run(root, "render")
    write_tree(root, {"overlays/prod/kustomization.yaml": overlay("prod", 5)})
    proc = run(root, "render")
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
    proc = run(root, "render")
    assert proc.returncode == 1
    assert message in proc.stderr and "lamina.yaml:" in proc.stderr
    assert not (root / "rendered").exists()


def test_render_refuses_output_outside_the_repo(root: Path, tmp_path: Path) -> None:
    proc = run(root, "render", "-o", str(tmp_path / "elsewhere"))
    assert proc.returncode == 1 and "outside the project root" in proc.stderr
