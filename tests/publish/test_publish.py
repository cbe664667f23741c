"""`lamina publish` and `lamina rollback` in scratch git repositories."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers.cli import KubectlKustomize, LAMINA, run_lamina
from tests.helpers.git import git
from tests.helpers.project import set_replicas
from tests.helpers.trees import write_tree


def count_commits(repo: Path, branch: str = "rendered") -> int:
    return int(git(repo, "rev-list", "--count", branch))


def test_publish_twice_without_change_makes_one_commit(project: Path) -> None:
    run_lamina("publish", cwd=project, check=True)
    run_lamina("publish", cwd=project, check=True)
    assert count_commits(project) == 1
    assert git(project, "status", "--porcelain") == ""


def test_prod_change_touches_only_prod_files(project: Path) -> None:
    run_lamina("publish", cwd=project, check=True)
    set_replicas(project, "prod", 7)
    git(project, "commit", "-qam", "prod: 7 replicas")
    run_lamina("publish", cwd=project, check=True)
    changed = git(project, "diff", "--name-only", "rendered~1", "rendered").split()
    assert changed and all(p.startswith("prod/") for p in changed), changed
    message = git(project, "log", "-1", "--format=%B", "rendered")
    assert f"Lamina-Source-Sha: {git(project, 'rev-parse', 'HEAD')}" in message


def test_work_tree_and_index_are_untouched(project: Path) -> None:
    write_tree(project, {"scratch.txt": "uncommitted\n"})
    git(project, "add", "scratch.txt")
    before = git(project, "status", "--porcelain")
    run_lamina("publish", cwd=project, check=True)
    assert git(project, "status", "--porcelain") == before
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_rendered_branch_builds_like_the_overlay(project: Path, tmp_path: Path, kubectl_kustomize: KubectlKustomize) -> None:
    run_lamina("publish", cwd=project, check=True)
    out = tmp_path / "checkout"
    git(project, "worktree", "add", "-q", str(out), "rendered")
    rendered = kubectl_kustomize(out / "prod", check=True).stdout
    built = run_lamina("build", "overlays/prod", cwd=project, check=True).stdout
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
        _out, err = p.communicate()
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
    run_lamina("publish", cwd=project, check=True)
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
    run_lamina("publish", cwd=project, check=True)
    assert count_commits(project) == 2


def test_rollback_restores_one_environment(project: Path) -> None:
    run_lamina("publish", cwd=project, check=True)
    first = git(project, "rev-parse", "rendered")
    set_replicas(project, "prod", 5)
    set_replicas(project, "dev", 4)
    git(project, "commit", "-qam", "both")
    run_lamina("publish", cwd=project, check=True)
    run_lamina("rollback", "prod", "--to", first, cwd=project, check=True)
    # Every file as it was, but the metadata, which now also records the hold.
    assert git(project, "diff", "--name-only", first, "rendered", "--", "prod") == \
        "prod/hydrator.metadata"
    assert '"hold"' in git(project, "show", "rendered:prod/hydrator.metadata")
    assert git(project, "diff", "--name-only", first, "rendered", "--", "dev") != ""
    assert count_commits(project) == 3


def test_branch_per_env(project: Path) -> None:
    run_lamina("publish", "--branch-per-env", "env/{env}", cwd=project, check=True)
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
        write_tree(repo, {"base/kustomization.yaml": "resources: [deploy.yaml]\n"})
    proc = run_lamina(*args, cwd=repo)
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
    run_lamina("publish", "--push", "origin", cwd=project, check=True)
    set_replicas(clone, "dev", 6)
    git(clone, "commit", "-qam", "dev 6")
    git(clone, "push", "-q", "origin", "HEAD:main")
    run_lamina("publish", "--push", "origin", cwd=clone, check=True)   # bases itself on the remote tip
    assert int(git(remote, "rev-list", "--count", "rendered")) == 2
