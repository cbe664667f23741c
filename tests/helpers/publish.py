"""Rendered-branch scenarios: a project with a bare remote, lamina run with a chosen
identity, the trailers of a rendered commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.helpers.cli import run_lamina
from tests.helpers.git import git
from tests.helpers.project import set_replicas, write_project


def lamina(repo: Path, *args: str, check: bool = True,
           env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """`lamina ARGS...` in `repo`; `env` adds to the environment (a None value removes)."""
    full = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    return run_lamina(*args, cwd=repo, env=full, check=check)


def trailers(repo: Path, rev: str = "rendered") -> dict[str, list[str]]:
    from lamina.publish.trailers import parse_trailers
    return parse_trailers(git(repo, "log", "-1", "--format=%B", rev))


def commit_replicas(repo: Path, env: str, count: int, push: bool = False) -> str:
    """Commit `count` replicas for `env` (pushed to origin's main with `push`); the commit."""
    set_replicas(repo, env, count)
    git(repo, "commit", "-q", "--allow-empty", "-am", f"{env}: {count} replicas")
    if push:
        git(repo, "push", "-q", "origin", "HEAD:main")
    return git(repo, "rev-parse", "HEAD")


def add_origin(project: Path, tmp_path: Path) -> Path:
    """A bare remote holding the project's main branch, added as `origin` (tracked)."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "-u", "origin", "main")
    return remote


def init_project(tmp_path: Path) -> Path:
    """tmp_path/src: a git repository on main holding a dev (1 replica) and prod (2) project."""
    repo = tmp_path / "src"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_project(repo, {"dev": 1, "prod": 2})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    return repo
