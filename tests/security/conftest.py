"""Fixtures of the security tests: a project inside a folder of bystander files, and a
check that nothing outside the output folder changed (helpers: tests/helpers/security.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.security import project_files, snapshot
from tests.helpers.trees import write_tree


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp_path/world: bystander files (victim.txt, secret.json, a folder) around
    world/a/b/repo, the project. Three `..` from repo/rendered/<env> reach world/a."""
    world = tmp_path / "world"
    write_tree(world, {"victim.txt": "victim\n", "secret.json": '{"auth": "s3cr3t-token"}\n',
                       "a/victim.txt": "victim\n", "a/b/victim.txt": "victim\n",
                       "keep/file.txt": "keep\n"})
    write_tree(world / "a" / "b" / "repo", project_files())
    return world


@pytest.fixture
def repo(world: Path) -> Path:
    return world / "a" / "b" / "repo"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lamina's caches go to a folder of their own, outside what the snapshots compare."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def untouched(world: Path, repo: Path):
    """Call it after the test's own set-up: it asserts, at the end, that nothing outside
    repo/rendered changed (sources and bystanders alike)."""
    taken: list[dict] = []

    def take() -> None:
        taken.append(snapshot(world, (repo / "rendered",)))
    yield take
    if taken:
        assert snapshot(world, (repo / "rendered",)) == taken[0]
