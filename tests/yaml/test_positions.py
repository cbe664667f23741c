"""yaml/positions.py: the line (and column) of any field, for findings and messages."""

from __future__ import annotations

from pathlib import Path

from lamina.errors import SourceRef
from lamina.yaml.positions import field_source, file_position, format_field_path, parse_field_path, \
    text_position
from tests.helpers.trees import write_tree

STREAM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  a: b
---
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: side
      image: busybox
    - name: web
      image: nginx
      securityContext:
        privileged: true
"""


def test_a_field_of_the_second_document(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base/all.yaml": STREAM})
    at = parse_field_path("spec.containers[name=web].securityContext.privileged")
    assert at == ("spec", "containers", ("name", "web"), "securityContext", "privileged")
    found = field_source(SourceRef("base/all.yaml", 8), at, str(tmp_path))
    assert str(found) == "base/all.yaml:19:9"
    # By index too, and the first document is told apart by its line.
    assert str(field_source(SourceRef("base/all.yaml", 8), ("spec", "containers", 1, "image"),
                            str(tmp_path))) == "base/all.yaml:17:7"
    assert str(field_source(SourceRef("base/all.yaml", 1), ("data", "a"), str(tmp_path))) == \
        "base/all.yaml:6:3"


def test_a_field_the_file_does_not_write_points_at_its_nearest_parent(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base/all.yaml": STREAM})
    at = ("spec", "containers", ("name", "side"), "resources", "limits")
    assert str(field_source(SourceRef("base/all.yaml", 8), at, str(tmp_path))) == "base/all.yaml:14:7"


def test_an_unreadable_file_keeps_the_document_line(tmp_path: Path) -> None:
    ref = SourceRef("gone.yaml", 3)
    assert field_source(ref, ("spec",), str(tmp_path)) == ref


def test_exact_positions_in_a_kustomization(tmp_path: Path) -> None:
    text = "resources:\n  - a.yaml\n  - b.yaml\nnamespace: x\n"
    assert text_position(text, ("resources", 1)) == (3, 5)
    assert text_position(text, ("namespace",)) == (4, 1)
    assert text_position(text, ("images",)) is None
    write_tree(tmp_path, {"kustomization.yaml": text})
    assert file_position(str(tmp_path / "kustomization.yaml"), ("resources", 0)) == (2, 5)


def test_field_paths_read_and_print() -> None:
    for text in ("spec.template.spec.containers[name=web].image", "data['app.conf']", "items[0].x"):
        path = parse_field_path(text)
        assert path is not None and format_field_path(path) == text
    assert parse_field_path("a..b") is None
