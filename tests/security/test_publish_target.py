"""The publish target is never a source branch, and never a branch lamina did not write
(issue 12, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.git import git
from tests.helpers.publish import add_origin, commit_replicas, init_project, lamina
from tests.helpers.trees import write_tree


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return init_project(tmp_path)


@pytest.fixture
def origin(project: Path, tmp_path: Path) -> Path:
    return add_origin(project, tmp_path)


def write(root: Path, rel: str, text: str) -> None:
    write_tree(root, {rel: text})


def branch_exists(repo: Path, ref: str) -> bool:
    return bool(git(repo, "for-each-ref", "--format=%(refname)", ref))


def assert_refused(proc, *words: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_the_checked_out_branch_is_refused(project: Path) -> None:
    head = git(project, "rev-parse", "main")
    proc = lamina(project, "publish", "--branch", "main", check=False)
    assert_refused(proc, "refusing to publish to 'main'", "checked out")
    assert git(project, "rev-parse", "main") == head
    assert git(project, "status", "--porcelain") == ""


def test_a_branch_checked_out_in_another_worktree_is_refused(project: Path,
                                                             tmp_path: Path) -> None:
    git(project, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"), "main")
    proc = lamina(project, "publish", "--branch", "feature", check=False)
    assert_refused(proc, "worktree")


def test_the_upstream_of_the_current_branch_is_refused(project: Path, origin: Path) -> None:
    git(project, "checkout", "-q", "-b", "topic", "--track", "origin/main")
    git(project, "branch", "-D", "main")
    proc = lamina(project, "publish", "--branch", "main", "--push", "origin", check=False)
    assert_refused(proc, "upstream")
    assert git(origin, "for-each-ref", "--format=%(refname)", "refs/heads/") == "refs/heads/main"


def test_publish_branch_main_in_lamina_yaml_with_push_is_refused(project: Path,
                                                                 origin: Path) -> None:
    write(project, "lamina.yaml", "publish:\n  branch: main\n")
    git(project, "add", "lamina.yaml")
    git(project, "commit", "-qm", "publish to main")
    git(project, "push", "-q", "origin", "main")
    before = git(origin, "rev-parse", "main")
    proc = lamina(project, "publish", "--push", "origin", check=False)
    assert_refused(proc, "refusing to publish to 'main'")
    assert git(origin, "rev-parse", "main") == before
    # Detached, as CI checks out: still a source branch (its history holds the source).
    git(project, "checkout", "-q", "--detach")
    proc = lamina(project, "publish", "--push", "origin", check=False)
    assert_refused(proc, "refusing to publish to 'main'")
    assert git(origin, "rev-parse", "main") == before


def test_a_branch_sharing_the_source_history_is_refused(project: Path) -> None:
    git(project, "branch", "old-main", "main")
    commit_replicas(project, "prod", 3)
    proc = lamina(project, "publish", "--branch", "old-main", check=False)
    assert_refused(proc, "shares history")


@pytest.mark.parametrize("name", ["refs/heads/y", "y"])
def test_refs_heads_prefix_is_normalised(project: Path, name: str) -> None:
    lamina(project, "publish", "--branch", name)
    assert branch_exists(project, "refs/heads/y")
    assert not branch_exists(project, "refs/heads/refs/heads/y")


@pytest.mark.parametrize("name", ["refs/remotes/origin/x", "refs/tags/v1", "refs/notes/x"])
def test_other_refs_are_refused_clearly(project: Path, name: str) -> None:
    proc = lamina(project, "publish", "--branch", name, check=False)
    assert_refused(proc, "is not a branch")


def test_a_foreign_history_on_the_rendered_branch_is_refused(project: Path,
                                                            origin: Path, tmp_path: Path) -> None:
    lamina(project, "publish", "--push", "origin")
    attacker = tmp_path / "attacker"
    git(tmp_path, "init", "-q", str(attacker))
    write(attacker, "prod/evil.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: evil\n")
    git(attacker, "add", "-A")
    git(attacker, "commit", "-qm", "looks rendered")
    git(attacker, "push", "-q", "--force", str(origin), "HEAD:refs/heads/rendered")
    commit_replicas(project, "prod", 3, push=True)
    proc = lamina(project, "publish", "--push", "origin", check=False)
    assert_refused(proc, "rewritten")
    # A fresh clone never saw lamina's history: the foreign commit is what it refuses.
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(origin), str(fresh))
    proc = lamina(fresh, "publish", "--push", "origin", check=False)
    assert_refused(proc, "was not made by lamina", "--force")
    lamina(fresh, "publish", "--push", "origin", "--force")
    assert "Lamina-Source-Sha" in git(origin, "log", "-1", "--format=%B", "rendered")
