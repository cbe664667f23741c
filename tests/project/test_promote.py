"""`lamina promote`: small in-place edits that keep comments and order."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.project.yamledit import set_path
from tests.helpers.trees import write_tree
from tests.helpers.cli import run_lamina
from tests.helpers.project import DEPLOYMENT


def test_set_path_changes_only_the_scalar() -> None:
    text = "a:\n  # why\n  b: 1  # keep\nc: [x]\n"
    assert set_path(text, ["a", "b"], 2, "f") == "a:\n  # why\n  b: 2  # keep\nc: [x]\n"


def test_set_path_adds_missing_list_item_with_matching_indent() -> None:
    text = "images:\n  - name: web\n    newTag: '1'\nreplicas: []\n"
    out = set_path(text, ["images", ("name", "api"), "newTag"], "2", "f")
    assert out == ("images:\n  - name: web\n    newTag: '1'\n  - name: api\n    newTag: \"2\"\n"
                   "replicas: []\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOYMENT,
        "overlays/staging/kustomization.yaml":
            "resources: [../../base]\nimages:\n- name: nginx\n  newTag: \"1.27\"\n",
        "overlays/prod/kustomization.yaml":
            "# production\nresources: [../../base]\nimages:\n- name: nginx  # pinned\n"
            "  newTag: \"1.25\"\n",
    })


def test_promote_carries_image_tags_and_keeps_comments(root: Path) -> None:
    proc = run_lamina("promote", "staging", "prod", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / "overlays/prod/kustomization.yaml").read_text()
    assert text == ("# production\nresources: [../../base]\nimages:\n- name: nginx  # pinned\n"
                    "  newTag: \"1.27\"\n")
    built = run_lamina("build", "overlays/prod", cwd=root).stdout
    assert "image: nginx:1.27" in built


def test_promote_to_unknown_environment_fails_clearly(root: Path) -> None:
    proc = run_lamina("promote", "staging", "qa", cwd=root)
    assert proc.returncode == 1 and "unknown environment 'qa'" in proc.stderr
