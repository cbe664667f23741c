"""`lamina publish` and `lamina rollback` in scratch git repositories."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.publish.conftest import LAMINA, git, lamina, set_replicas, write


def count_commits(repo: Path, branch: str = "rendered") -> int:
    return int(git(repo, "rev-list", "--count", branch))


def test_publish_twice_without_change_makes_one_commit(project: Path) -> None:
    lamina(project, "publish")
    lamina(project, "publish")
    assert count_commits(project) == 1
    assert git(project, "status", "--porcelain") == ""


def test_prod_change_touches_only_prod_files(project: Path) -> None:
    lamina(project, "publish")
    set_replicas(project, "prod", 7)
    git(project, "commit", "-qam", "prod: 7 replicas")
    lamina(project, "publish")
    changed = git(project, "diff", "--name-only", "rendered~1", "rendered").split()
    assert changed and all(p.startswith("prod/") for p in changed), changed
    message = git(project, "log", "-1", "--format=%B", "rendered")
    assert f"Lamina-Source-Sha: {git(project, 'rev-parse', 'HEAD')}" in message


def test_work_tree_and_index_are_untouched(project: Path) -> None:
    write(project, "scratch.txt", "uncommitted\n")
    git(project, "add", "scratch.txt")
    before = git(project, "status", "--porcelain")
    lamina(project, "publish")
    assert git(project, "status", "--porcelain") == before
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_rendered_branch_builds_like_the_overlay(project: Path, tmp_path: Path, kubectl: str) -> None:
    lamina(project, "publish")
    out = tmp_path / "checkout"
    git(project, "worktree", "add", "-q", str(out), "rendered")
    rendered = subprocess.run([kubectl, "kustomize", str(out / "prod")], capture_output=True,
                              text=True, check=True).stdout
    built = lamina(project, "build", "overlays/prod").stdout
    assert rendered == built


def test_concurrent_publishers_land_in_order_on_a_linear_history(project: Path, tmp_path: Path) -> None:
    """Eight worktrees publish eight successive source commits at once. Each one either
    lands or is refused as older than what already landed; the newest always lands, and the
    branch's sources only move forward."""
    workers = []
    base = "main"
    for i in range(8):
        wt = tmp_path / f"wt{i}"
        git(project, "worktree", "add", "-q", "-b", f"b{i}", str(wt), base)
        set_replicas(wt, "prod", 10 + i)
        git(wt, "commit", "-qam", f"prod {10 + i}")
        workers.append(wt)
        base = f"b{i}"
    procs = [subprocess.Popen([*LAMINA, "publish"], cwd=wt, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for wt in workers]
    for p in procs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0 or "is older than" in err, err
        assert "Traceback" not in err
    log = git(project, "log", "--format=%H %P", "rendered").splitlines()
    assert all(len(line.split()) <= 2 for line in log)       # one parent each: linear
    sources = git(project, "log", "--reverse",
                  "--format=%(trailers:key=Lamina-Source-Sha,valueonly)", "rendered").split()
    assert sources[-1] == git(workers[-1], "rev-parse", "HEAD")
    for older, newer in zip(sources, sources[1:]):
        assert subprocess.run(["git", "-C", str(project), "merge-base", "--is-ancestor", older,
                               newer]).returncode == 0


def test_killed_publish_leaves_old_or_new_tip(project: Path) -> None:
    lamina(project, "publish")
    old = git(project, "rev-parse", "rendered")
    set_replicas(project, "prod", 9)
    git(project, "commit", "-qam", "prod 9")
    for delay in (0.05, 0.2, 0.4, 0.8):
        proc = subprocess.Popen([*LAMINA, "publish"], cwd=project, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        tip = git(project, "rev-parse", "rendered")
        assert tip == old or git(project, "rev-parse", f"{tip}~1") == old
        git(project, "fsck", "--no-dangling")
    lamina(project, "publish")
    assert count_commits(project) == 2


def test_rollback_restores_one_environment(project: Path) -> None:
    lamina(project, "publish")
    first = git(project, "rev-parse", "rendered")
    set_replicas(project, "prod", 5)
    set_replicas(project, "dev", 4)
    git(project, "commit", "-qam", "both")
    lamina(project, "publish")
    lamina(project, "rollback", "prod", "--to", first)
    # Every file as it was, but the metadata, which now also records the hold.
    assert git(project, "diff", "--name-only", first, "rendered", "--", "prod") == \
        "prod/hydrator.metadata"
    assert '"hold"' in git(project, "show", "rendered:prod/hydrator.metadata")
    assert git(project, "diff", "--name-only", first, "rendered", "--", "dev") != ""
    assert count_commits(project) == 3


def test_branch_per_env(project: Path) -> None:
    lamina(project, "publish", "--branch-per-env", "env/{env}")
    assert "replicas: 2" in git(project, "show", "env/prod:prod/deployment-web.yaml")


@pytest.mark.parametrize("setup, args, message", [
    ("no-commits", ("publish",), "no commits"),
    ("ok", ("publish", "--branch", "bad..name"), "not a valid branch name"),
])
def test_bad_input_is_refused_clearly(tmp_path: Path, project: Path, setup: str,
                                      args: tuple, message: str) -> None:
    repo = project
    if setup == "no-commits":
        repo = tmp_path / "empty"
        repo.mkdir()
        git(repo, "init", "-q")
        set_replicas(repo, "dev", 1)
        write(repo, "base/kustomization.yaml", "resources: [deploy.yaml]\n")
    proc = lamina(repo, *args, check=False)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_push_retries_on_a_moved_remote(project: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    git(clone, "remote", "set-url", "origin", str(remote))
    git(project, "push", "-q", "origin", "main")
    lamina(project, "publish", "--push", "origin")
    set_replicas(clone, "dev", 6)
    git(clone, "commit", "-qam", "dev 6")
    git(clone, "push", "-q", "origin", "HEAD:main")
    lamina(clone, "publish", "--push", "origin")   # bases itself on the remote tip
    assert int(git(remote, "rev-list", "--count", "rendered")) == 2
