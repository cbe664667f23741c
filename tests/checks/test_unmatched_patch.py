"""unmatched-patch: patches and replacement targets that select nothing (which Kustomize
applies silently), named by kustomization and line, through full and partial builds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers.checks import check_project
from lamina.kustomize.build import BuildOptions, build, render
from tests.helpers.trees import write_tree


def _deployment(name: str) -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
            f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n"
            f"      labels: {{app: {name}}}\n    spec:\n      containers:\n"
            f"        - {{name: {name}, image: 'nginx:1.27'}}\n")


OVERLAY = """resources:
  - ../../base-a
  - ../../base-b
patches:
  - target: {kind: Deployment, name: web}
    patch: |
      - {op: add, path: /spec/replicas, value: 3}
  - target: {kind: Deployment, name: api}
    patch: |
      - {op: add, path: /spec/replicas, value: 2}
patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: gone}
    patch: |
      - {op: add, path: /spec/replicas, value: 1}
replacements:
  - source: {kind: Deployment, name: web, fieldPath: metadata.name}
    targets:
      - select: {kind: Service}
        fieldPaths: [spec.selector.app]
"""


def _project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "p", {
        "base-a/kustomization.yaml": "resources: [web.yaml]\n",
        "base-a/web.yaml": _deployment("web"),
        "base-b/kustomization.yaml": "resources: [worker.yaml]\npatches:\n"
                                     "  - target: {kind: Deployment, name: wrker}\n"
                                     "    patch: |\n"
                                     "      - {op: add, path: /spec/paused, value: false}\n",
        "base-b/worker.yaml": _deployment("worker"),
        "overlays/prod/kustomization.yaml": OVERLAY,
    })


def _unmatched(root: Path) -> list[tuple[str, str, str]]:
    return [(str(f.source), f.resource, f.message) for f in check_project(str(root)).findings
            if f.check == "unmatched-patch"]


EXPECTED = [
    ("base-b/kustomization.yaml:3", "patches[0]", "targets kind: Deployment, name: wrker, which "
     "selects no resource, so the patch changes nothing (fix its target, or remove the patch)"),
    ("overlays/prod/kustomization.yaml:8", "patches[1]", "targets kind: Deployment, name: api, "
     "which selects no resource, so the patch changes nothing (fix its target, or remove the "
     "patch)"),
    ("overlays/prod/kustomization.yaml:12", "patchesJson6902[0]", "targets group: apps, version: "
     "v1, kind: Deployment, name: gone, which selects no resource, so the patch changes nothing "
     "(fix its target, or remove the patch)"),
    ("overlays/prod/kustomization.yaml:18", "replacements[0].targets[0]", "selects no resource, "
     "so the replacement changes nothing (fix its select, or remove it)"),
]


def test_patches_that_select_nothing_are_named_with_file_and_line(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert _unmatched(root) == EXPECTED
    result = check_project(str(root))
    assert all(f.level == "warning" for f in result.findings if f.check == "unmatched-patch")
    strict = check_project(str(root), preset="strict")
    assert {f.level for f in strict.findings if f.check == "unmatched-patch"} == {"error"}


def test_partial_builds_from_the_memo_find_the_same(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from lamina.kustomize import memo
    partial: list = []
    changed_entries = memo._changed_entries
    monkeypatch.setattr(memo, "_changed_entries",
                        lambda record: partial.append(changed_entries(record)) or partial[-1])
    root = _project(tmp_path)
    assert _unmatched(root) == EXPECTED
    # Only base-b changes: base-a (whose web the first patch selects) is kept from the
    # memo, and so is nothing of base-b's own patch report.
    (root / "base-b/worker.yaml").write_text(_deployment("worker").replace("1.27", "1.28"))
    assert _unmatched(root) == EXPECTED
    (root / "base-a/web.yaml").write_text(_deployment("web").replace("1.27", "1.28"))
    assert _unmatched(root) == EXPECTED
    assert partial == [None, {1}, {0}]      # a full build, then two partial ones
    # The renamed resource: now the first patch selects nothing too.
    (root / "base-a/web.yaml").write_text(_deployment("webapp"))
    (root / "overlays/prod/kustomization.yaml").write_text(OVERLAY.replace(
        "source: {kind: Deployment, name: web,", "source: {kind: Deployment, name: webapp,"))
    found = _unmatched(root)
    assert ("overlays/prod/kustomization.yaml:5", "patches[0]") in [f[:2] for f in found]


def test_recording_does_not_change_the_output(tmp_path: Path) -> None:
    root = _project(tmp_path)
    plain = render(build(str(root / "overlays/prod")))
    noted: list = []
    assert render(build(str(root / "overlays/prod"), BuildOptions(unmatched=noted))) == plain
    assert len(noted) == 4


def test_kustomize_applies_these_silently(tmp_path: Path, kubectl: str) -> None:
    """The oracle builds the tree without a word: the check is what tells."""
    root = _project(tmp_path)
    done = subprocess.run([kubectl, "kustomize", str(root / "overlays/prod")],
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert render(build(str(root / "overlays/prod"))) == done.stdout


@pytest.mark.parametrize("patch", [
    "patches:\n  - target: {kind: Deployment, name: web}\n    patch: |\n"
    "      - {op: add, path: /spec/replicas, value: 3}\n",
    "patches:\n  - target: {kind: Deployment}\n    path: p.yaml\n",
])
def test_patches_that_match_are_not_reported(tmp_path: Path, patch: str) -> None:
    root = write_tree(tmp_path / "p", {
        "overlays/prod/web.yaml": _deployment("web"),
        "overlays/prod/p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
                                "spec: {replicas: 2}\n",
        "overlays/prod/kustomization.yaml": "resources: [web.yaml]\n" + patch,
    })
    assert _unmatched(root) == []
