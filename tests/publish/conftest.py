"""Scratch git repositories holding a small lamina project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
      - name: web
        image: nginx:1.25
"""


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def write(repo: Path, rel: str, text: str) -> None:
    p = repo / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def set_replicas(repo: Path, env: str, count: int) -> None:
    write(repo, f"overlays/{env}/kustomization.yaml",
          f"resources: [../../base]\nnamespace: {env}\nreplicas:\n- name: web\n  count: {count}\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "src"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, "base/kustomization.yaml", "resources: [deploy.yaml]\n")
    write(repo, "base/deploy.yaml", BASE)
    for i, env in enumerate(("dev", "prod")):
        set_replicas(repo, env, i + 1)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    return repo


LAMINA = [sys.executable, "-m", "lamina.cli.main"]


def lamina(repo: Path, *args: str, check: bool = True,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the lamina command in `repo`; `env` adds to (or, with None values, removes from)
    the environment."""
    full = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    proc = subprocess.run([*LAMINA, *args], cwd=repo, capture_output=True, text=True, env=full)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def trailers(repo: Path, rev: str = "rendered") -> dict[str, list[str]]:
    from lamina.publish.trailers import parse_trailers
    return parse_trailers(git(repo, "log", "-1", "--format=%B", rev))


def commit_replicas(repo: Path, env: str, count: int, push: bool = False) -> str:
    set_replicas(repo, env, count)
    git(repo, "commit", "-qam", f"{env}: {count} replicas")
    if push:
        git(repo, "push", "-q", "origin", "HEAD:main")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def origin(project: Path, tmp_path: Path) -> Path:
    """A bare remote holding the project's main branch, added as `origin`."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "-u", "origin", "main")
    return remote
