"""The cache folder: LAMINA_NO_CACHE, the size limit with eviction, `lamina cache info|clear`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lamina.store import cachefile, folder, limits
from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

BIG = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n" + "".join(
    f"  k{i}: {'v' * 60}\n" for i in range(5000))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LAMINA_NO_CACHE", raising=False)
    monkeypatch.setattr(limits, "_checked", False)
    return tmp_path / "cache" / "lamina"


def _entry(section: str, name: str, size: int, age: int) -> Path:
    path = Path(folder.section(section), name)
    cachefile.write_entry(str(path), b"m\n", name, b"x" * size)
    os.utime(path, (1_000_000 + age, 1_000_000 + age))
    return path


def test_eviction_removes_the_oldest_entries_first(cache: Path) -> None:
    old = _entry("docs", "old", 1000, 1)
    middle = _entry("builds", "middle", 1000, 2)
    new = _entry("render", "new", 1000, 3)
    assert limits.evict(2200) == 1
    assert not old.exists() and middle.exists() and new.exists()
    assert sum(s.files for s in limits.usage()) == 2


def test_the_first_write_of_a_process_keeps_the_folder_under_the_limit(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMINA_CACHE_MAX_MB", "1")
    monkeypatch.setattr(limits, "_checked", True)
    old = _entry("docs", "old", 2 * 1024 * 1024, 1)
    monkeypatch.setattr(limits, "_checked", False)
    new = _entry("docs", "new", 10, 2)
    assert not old.exists() and new.exists()


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "k", {"kustomization.yaml": "resources: [big.yaml]\n",
                                       "big.yaml": BIG})
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "LAMINA_NO_CACHE": "1"}
    assert run_lamina("build", root, env=env).returncode == 0
    assert not (tmp_path / "cache").exists()
    env.pop("LAMINA_NO_CACHE")
    assert run_lamina("build", root, env=env).returncode == 0
    assert list((tmp_path / "cache" / "lamina" / "docs").rglob("*"))


def test_cache_info_and_clear(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "k", {"kustomization.yaml": "resources: [big.yaml]\n",
                                       "big.yaml": BIG})
    env = {k: v for k, v in os.environ.items() if k != "LAMINA_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    run_lamina("build", root, env=env)
    info = run_lamina("cache", "info", env=env)
    assert info.returncode == 0, info.stderr
    assert f"folder: {tmp_path / 'cache' / 'lamina'}" in info.stdout
    assert "docs: 2 files" in info.stdout and "caching: on" in info.stdout
    cleared = run_lamina("cache", "clear", env=env)
    assert cleared.returncode == 0 and "removed 2 files" in cleared.stdout
    assert "total: 0 files" in run_lamina("cache", "info", env=env).stdout
