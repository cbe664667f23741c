"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit (`pre-commit try-repo`)
against a throwaway repository in committed-output mode.

SLOW (about 2-3 minutes on a loaded 2-core machine, most of it pip unpacking
kubernetes-validate's schemas): pre-commit builds a virtualenv and pip-installs lamina. It
still runs in CI. To install only once, the hooks repository is one commit of a copy of
this checkout (pre-commit keys its environments by repository and revision, and try-repo
on a checkout with uncommitted changes makes a new revision every time), the whole story
is one test with one PRE_COMMIT_HOME, and pip's own cache (the user's) is left in place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lamina.cli.main import cli
from tests.helpers.git import git

REPO = Path(__file__).resolve().parents[2]


def _pre_commit() -> str:
    found = Path(sys.executable).parent / "pre-commit"
    if found.exists():
        return str(found)
    path = shutil.which("pre-commit")
    if path is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return path


def hooks_repo(tmp: Path) -> Path:
    """A one-commit repository holding what pre-commit needs to install lamina."""
    copy = tmp / "lamina-hooks"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, copy / name)
    shutil.copytree(REPO / "src", copy / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git(copy, "init", "-q", "-b", "main")
    git(copy, "add", "-A")
    git(copy, "commit", "-qm", "lamina")
    return copy


def try_repo(repo: Path, home: Path, hooks: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo HOOKS [HOOK] --ref <its commit> --all-files` in REPO."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("CI", None)
    rev = git(hooks, "rev-parse", "HEAD")
    return subprocess.run([_pre_commit(), "try-repo", str(hooks), *hook, "--ref", rev,
                           "--all-files"], stdin=subprocess.DEVNULL,
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_hooks_with_pre_commit_try_repo(tmp_path: Path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "pre-commit-home"
    hooks = hooks_repo(tmp_path)
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    result = CliRunner().invoke(cli, ["init", str(repo), "--yes", "--mode", "committed",
                                      "--ci", "none"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["render", "--project", str(repo)])
    assert result.exit_code == 0, result.output
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "lamina init")

    # Up to date: both hooks pass.
    proc = try_repo(repo, home, hooks)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lamina render" in proc.stdout and "lamina check" in proc.stdout

    # A source change not rendered yet: lamina-render renders it and fails, once.
    overlay = repo / "overlays/prod/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("count: 3", "count: 5"))
    git(repo, "add", "-A")
    proc = try_repo(repo, home, hooks, "lamina-render")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "rendered output changed" in proc.stdout
    assert "replicas: 5" in (repo / "rendered/prod/hello-prod/deployment-hello.yaml").read_text()
    git(repo, "add", "-A")
    proc = try_repo(repo, home, hooks, "lamina-render")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # A check error fails lamina-check, naming the file.
    service = repo / "base/service.yaml"
    service.write_text(service.read_text().replace("targetPort: http", "targetPort: 9999"))
    git(repo, "add", "-A")
    proc = try_repo(repo, home, hooks, "lamina-check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "base/service.yaml" in proc.stdout and "service-target-port" in proc.stdout
