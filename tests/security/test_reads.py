"""Promise: lamina reads only inside the repository unless a flag says otherwise
(docs/security.md): lamina.yaml's values files, `promote`'s edits, the committed metadata."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.trees import write_tree
from tests.helpers.security import run

DIALECT = ("apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\nvalues: [values.yaml]\n"
           "resources: [../../base]\n")
TEMPLATE = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\n"
            "data:\n  all: '{{ values | tojson }}'\n")


# ---- row: values files in lamina.yaml are read from outside the repository ---------------

@pytest.mark.parametrize("where", ["../../../secret.json", "/etc/hostname", "link"])
def test_lamina_yaml_values_outside_the_repository_are_refused_with_file_and_line(
        repo: Path, world: Path, where: str) -> None:
    write_tree(repo, {"overlays/dev/kustomization.yaml": DIALECT.replace(
        "resources: [../../base]", "resources: [../../base, leak.yaml.j2]"),
        "overlays/dev/values.yaml": "x: 1\n", "overlays/dev/leak.yaml.j2": TEMPLATE})
    if where == "link":
        os.symlink(world / "secret.json", repo / "shared-values.json")
        where = "shared-values.json"
    (repo / "lamina.yaml").write_text(
        f"environments:\n  - name: dev\n    values:\n      - {where}\n", encoding="utf-8")
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: lamina.yaml:4: values file '{where}' "), \
        proc.stderr
    assert "s3cr3t" not in proc.stderr and not (repo / "rendered").exists()


def test_cluster_values_outside_the_repository_are_refused(repo: Path) -> None:
    (repo / "lamina.yaml").write_text(
        "environments:\n  - name: dev\n    clusters:\n      - name: eu\n"
        "        values: [../../../secret.json]\n", encoding="utf-8")
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1 and proc.stderr.startswith("Error: lamina.yaml:5: values file")


def test_values_inside_the_repository_still_work(repo: Path) -> None:
    write_tree(repo, {"overlays/dev/kustomization.yaml": DIALECT.replace(
        "resources: [../../base]", "resources: [../../base, leak.yaml.j2]"),
        "overlays/dev/values.yaml": "x: 1\n", "overlays/dev/leak.yaml.j2": TEMPLATE,
        "shared/extra.yaml": "y: 2\n"})
    (repo / "lamina.yaml").write_text(
        "environments:\n  - name: dev\n    values: [shared/extra.yaml]\n", encoding="utf-8")
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 0, proc.stderr
    [leak] = (repo / "rendered" / "dev").rglob("configmap-leak.yaml")
    assert '"y": 2' in leak.read_text()


# ---- row: promote --values follows a symlinked values file out of the tree --------------

@pytest.fixture
def promoting(repo: Path) -> Path:
    write_tree(repo, {"overlays/dev/kustomization.yaml": DIALECT,
                      "overlays/dev/values.yaml": "app:\n  tag: \"2\"\n",
                      "overlays/prod/kustomization.yaml": DIALECT})
    return repo


def test_promote_values_refuses_a_link_out_of_the_tree_and_keeps_the_link(
        promoting: Path, world: Path, untouched) -> None:
    outside = world / "outside-values.yaml"
    outside.write_text("app:\n  tag: \"1\"\n  password: hunter2\n")
    link = promoting / "overlays/prod/values.yaml"
    link.symlink_to(outside)
    untouched()
    proc = run(promoting, "promote", "dev", "prod", "--values", "app.tag", "--no-images")
    assert proc.returncode == 1
    assert "outside the project root" in proc.stderr and "hunter2" not in proc.stdout + proc.stderr
    assert link.is_symlink() and "tag: \"1\"" in outside.read_text()


def test_promote_edits_a_link_inside_the_tree_where_it_points(promoting: Path) -> None:
    (promoting / "shared.yaml").write_text("app:\n  tag: \"1\"\n")
    link = promoting / "overlays/prod/values.yaml"
    link.symlink_to("../../shared.yaml")
    proc = run(promoting, "promote", "dev", "prod", "--values", "app.tag", "--no-images")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and (promoting / "shared.yaml").read_text() == "app:\n  tag: \"2\"\n"


def test_promote_refuses_a_kustomization_that_links_out_of_the_tree(
        promoting: Path, world: Path, untouched) -> None:
    target = promoting / "overlays/prod/kustomization.yaml"
    outside = world / "k.yaml"
    outside.write_text(target.read_text() + "images:\n- name: nginx\n  newTag: old\n")
    target.unlink()
    target.symlink_to(outside)
    write_tree(promoting, {"overlays/dev/kustomization.yaml":
                           DIALECT + "images:\n- name: nginx\n  newTag: new\n"})
    untouched()
    proc = run(promoting, "promote", "dev", "prod")
    assert proc.returncode == 1 and "outside the project root" in proc.stderr


# ---- the committed metadata names the inputs to hash -----------------------------------

def test_committed_metadata_cannot_make_render_read_outside(repo: Path, world: Path) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    meta_path = repo / "rendered/dev/hydrator.metadata"
    meta = json.loads(meta_path.read_text())
    meta["lamina"]["inputs"]["../../../secret.json"] = "0" * 64
    meta_path.write_text(json.dumps(meta))
    from lamina.kustomize.digests import digest
    seen: list[str] = []
    import lamina.project.render as render_mod
    original = render_mod._digest

    def spy(path: str) -> str:
        seen.append(path)
        return original(path)
    render_mod._digest = spy
    try:
        from lamina.project.render import stale_targets
        from lamina.project.config import load_project
        project = load_project(str(repo))
        todo, _fresh = stale_targets(project, str(repo / "rendered"))
    finally:
        render_mod._digest = original
    assert "dev" in todo
    assert not any("secret.json" in p for p in seen)
    assert digest is not None


def test_a_discovered_overlay_that_links_out_of_the_repository_is_refused(
        repo: Path, world: Path) -> None:
    """Without lamina.yaml every overlays/<env> is an environment: one that is a link to a
    folder outside the repository is not built."""
    write_tree(world, {"elsewhere/kustomization.yaml": "resources: [cm.yaml]\n",
                       "elsewhere/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                            "  name: outside\n"})
    (repo / "overlays" / "evil").symlink_to(world / "elsewhere")
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: overlays/evil: overlay 'overlays/evil' is outside")
    assert not (repo / "rendered").exists()
