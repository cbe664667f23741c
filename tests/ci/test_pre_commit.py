"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit against a throwaway
repository in committed-output mode: first through `pre-commit try-repo`, then, for the
later steps, through `pre-commit run` with a .pre-commit-config.yaml naming the same
hooks repository.

SLOW (a few minutes on a loaded 2-core machine; it still runs in CI): pre-commit builds a
virtualenv and pip-installs lamina, most of the time going to writing, and for try-repo
then deleting, kubernetes-validate's 17,000 schema files. try-repo installs into a
temporary store of its own on every call, so it is called once; `pre-commit run` installs
once into PRE_COMMIT_HOME and reuses it. The hooks repository is one commit of a copy of
this checkout (pre-commit keys environments by repository and commit), pip does not
compile .pyc files, and pip's own cache (the user's) is left in place.
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


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "PIP_NO_COMPILE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("CI", None)
    return subprocess.run([_pre_commit(), *args], stdin=subprocess.DEVNULL, cwd=repo, env=env,
                          capture_output=True, text=True, timeout=1200)


def run_hook(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit run HOOK --all-files` with the config written by the test."""
    return pre_commit(repo, home, "run", hook, "--all-files")


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

    # Up to date: both hooks pass, tried straight from the hooks repository.
    rev = git(hooks, "rev-parse", "HEAD")
    proc = pre_commit(repo, home, "try-repo", str(hooks), "--ref", rev, "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lamina render" in proc.stdout and "lamina check" in proc.stdout

    # From here on as a team uses them: a config naming the hooks, committed.
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: lamina-render\n"
        "  - id: lamina-check\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pre-commit")

    # A source change not rendered yet: lamina-render renders it and fails, once.
    overlay = repo / "overlays/prod/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("count: 3", "count: 5"))
    git(repo, "add", "-A")
    proc = run_hook(repo, home, "lamina-render")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "rendered output changed" in proc.stdout
    assert "replicas: 5" in (repo / "rendered/prod/hello-prod/deployment-hello.yaml").read_text()
    git(repo, "add", "-A")
    proc = run_hook(repo, home, "lamina-render")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # A check error fails lamina-check, naming the file.
    service = repo / "base/service.yaml"
    service.write_text(service.read_text().replace("targetPort: http", "targetPort: 9999"))
    git(repo, "add", "-A")
    proc = run_hook(repo, home, "lamina-check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "base/service.yaml" in proc.stdout and "service-target-port" in proc.stdout
