"""Fixtures for the security tests: a small project inside a folder of bystander files,
a way to run lamina on it, and a snapshot of everything lamina must not touch."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.publish.conftest import BASE

LAMINA = [sys.executable, "-m", "lamina.cli.main"]

DEPLOY = BASE        # a Deployment that passes the checks


def project_files(env_names: tuple[str, ...] = ("dev", "prod")) -> dict[str, str]:
    files = {"base/kustomization.yaml": "resources: [deploy.yaml]\n", "base/deploy.yaml": DEPLOY}
    for env in env_names:
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"resources: [../../base]\nnamespace: shop-{env}\n")
    return files


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


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.pop("LAMINA_DEBUG", None)
    full.update(env or {})
    return subprocess.run([*LAMINA, *args], cwd=root, capture_output=True, text=True, env=full)


def snapshot(top: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[str, str]]:
    """Every entry below `top` (links not followed) and what it holds, except the real
    folders in `skip` (lamina's output folder): kind and content digest or link target."""
    out: dict[str, tuple[str, str]] = {}
    skipped = {os.path.normpath(str(p)) for p in skip}
    for dirpath, dirs, files in os.walk(top):
        for name in list(dirs):
            full = os.path.join(dirpath, name)
            if os.path.normpath(full) in skipped and not os.path.islink(full):
                dirs.remove(name)
                continue
            if os.path.islink(full):
                out[os.path.relpath(full, top)] = ("link", os.readlink(full))
            else:
                out[os.path.relpath(full, top)] = ("dir", "")
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, top)
            if os.path.islink(full):
                out[rel] = ("link", os.readlink(full))
            else:
                with open(full, "rb") as fh:
                    out[rel] = ("file", hashlib.sha256(fh.read()).hexdigest())
    return out


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
