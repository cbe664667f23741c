"""Bases built once per process: same bytes as without the cache, never stale."""

from __future__ import annotations

from pathlib import Path

from lamina.kustomize.build import build, render
from tests.helpers.trees import write_tree

DEPLOY = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
          "  replicas: {n}\n")


def _tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n"
                                   "configMapGenerator:\n- name: cfg\n  literals: [a=1]\n",
        "base/deploy.yaml": DEPLOY.format(n=1),
        "dev/kustomization.yaml": "resources: [../base]\nnamePrefix: dev-\n",
        "prod/kustomization.yaml": "resources: [../base]\nnamespace: prod\n",
    })


def test_cached_base_gives_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path)
    cached = [render(build(str(root / env))) for env in ("dev", "prod", "dev")]
    monkeypatch.setenv("LAMINA_NO_BASE_CACHE", "1")
    fresh = [render(build(str(root / env))) for env in ("dev", "prod", "dev")]
    assert cached == fresh
    assert cached[0] == cached[2]


def test_an_edited_base_file_is_never_served_stale(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert "replicas: 1" in render(build(str(root / "prod")))
    (root / "base/deploy.yaml").write_text(DEPLOY.format(n=4))
    assert "replicas: 4" in render(build(str(root / "prod")))
    (root / "base/kustomization.yaml").write_text("resources: [deploy.yaml]\n")
    assert "ConfigMap" not in render(build(str(root / "prod")))


def test_cached_resources_are_copies(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    first = build(str(root / "dev"))
    first[0].obj["mutated"] = True
    assert "mutated" not in render(build(str(root / "dev")))
