"""The root restrictor and cycle detection of the kustomization loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.errors import KustomizationError, NotSupportedError
from lamina.kustomize.loader import NO_RESTRICTION, FileLoader
from tests.helpers.trees import write_tree


def test_reads_file_below_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/sub/a.yaml": "x: 1\n"})
    assert FileLoader.at(str(tmp_path / "app")).read_text("sub/a.yaml") == "x: 1\n"


def test_refuses_file_outside_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/k.yaml": "", "secret.txt": "s"})
    with pytest.raises(KustomizationError, match="is not in or below"):
        FileLoader.at(str(tmp_path / "app")).read_text("../secret.txt")


def test_refuses_symlink_escaping_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/k.yaml": "", "secret.txt": "s"})
    (tmp_path / "app" / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(KustomizationError, match="is not in or below"):
        FileLoader.at(str(tmp_path / "app")).read_text("link.txt")


def test_no_restriction_reads_outside(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/k.yaml": "", "shared.txt": "s"})
    loader = FileLoader.at(str(tmp_path / "app"), NO_RESTRICTION)
    assert loader.read_text("../shared.txt") == "s"


def test_cycle_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/b/k.yaml": ""})
    child = FileLoader.at(str(tmp_path / "a")).new("b")
    with pytest.raises(KustomizationError, match="cycle detected"):
        child.new("..")


def test_remote_paths_are_not_fetched(tmp_path: Path) -> None:
    loader = FileLoader.at(str(tmp_path))
    with pytest.raises(NotSupportedError, match="not supported yet"):
        loader.new("https://github.com/example/repo//base?ref=v1")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="no such file"):
        FileLoader.at(str(tmp_path)).read_text("nope.yaml")
