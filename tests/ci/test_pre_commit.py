"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit (`pre-commit try-repo`)
against a throwaway repository in committed-output mode.

pre-commit builds a virtualenv and pip-installs lamina from this checkout, which takes
tens of seconds; the whole story therefore runs in one test with one PRE_COMMIT_HOME, and
pip's own cache (the user's) is left in place so dependencies are not downloaded again.
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
from tests.publish.conftest import git

REPO = Path(__file__).resolve().parents[2]


def _pre_commit() -> str:
    found = Path(sys.executable).parent / "pre-commit"
    if found.exists():
        return str(found)
    path = shutil.which("pre-commit")
    if path is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return path


def try_repo(repo: Path, home: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("CI", None)
    return subprocess.run([_pre_commit(), "try-repo", str(REPO), *hook, "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hooks_with_pre_commit_try_repo(tmp_path: Path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "pre-commit-home"
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
    proc = try_repo(repo, home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lamina render" in proc.stdout and "lamina check" in proc.stdout

    # A source change not rendered yet: lamina-render renders it and fails, once.
    overlay = repo / "overlays/prod/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("count: 3", "count: 5"))
    git(repo, "add", "-A")
    proc = try_repo(repo, home, "lamina-render")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "rendered output changed" in proc.stdout
    assert "replicas: 5" in (repo / "rendered/prod/hello-prod/deployment-hello.yaml").read_text()
    git(repo, "add", "-A")
    proc = try_repo(repo, home, "lamina-render")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # A check error fails lamina-check, naming the file.
    service = repo / "base/service.yaml"
    service.write_text(service.read_text().replace("targetPort: http", "targetPort: 9999"))
    git(repo, "add", "-A")
    proc = try_repo(repo, home, "lamina-check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "base/service.yaml" in proc.stdout and "service-target-port" in proc.stdout
