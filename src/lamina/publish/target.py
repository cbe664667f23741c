"""The publish target is never a source branch, and never a branch lamina did not write.

A rendered branch holds rendered YAML only, on a history of its own: a branch that is checked
out anywhere, that HEAD or its upstream names, that is the remote's default branch, or whose
history is tied to the source history is a source branch, and publishing there would mix
rendered files into the sources (and push them, with --push). A branch with commits lamina
did not make (someone force-pushed another history) is not lamina's to stack on: its
extra files would be kept and published under lamina's name."""

from __future__ import annotations

from lamina.errors import LaminaError
from lamina.git import Git
from lamina.publish import trailers as T


class TargetError(LaminaError):
    """The branch named for publishing is a source branch or not a lamina branch."""


def branch_name(git: Git, name: str, what: str = "--branch") -> str:
    """`refs/heads/x` -> `x`; any other `refs/...` or an invalid name is refused."""
    short = name[len("refs/heads/"):] if name.startswith("refs/heads/") else name
    if short.startswith("refs/") or name.startswith(("refs/remotes/", "refs/tags/")):
        raise TargetError(f"{what} '{name}' is not a branch: give a branch name such as "
                          "'rendered' (a leading refs/heads/ is accepted)")
    git.check_branch_name(short)
    return short


def check_not_source(git: Git, branch: str, remote: str | None, head: str) -> None:
    ref = f"refs/heads/{branch}"
    hint = "; publish to a branch of its own, e.g. --branch rendered"
    if git.current_branch() == ref:
        raise TargetError(f"refusing to publish to '{branch}': it is the branch you have "
                          f"checked out{hint}")
    if ref in git.checked_out_branches():
        raise TargetError(f"refusing to publish to '{branch}': it is checked out in a "
                          f"worktree of this repository{hint}")
    current = git.current_branch()
    merge = git.config(f"branch.{current[len('refs/heads/'):]}.merge") if current else None
    if merge == ref:
        upstream = git.upstream() or ref
        raise TargetError(f"refusing to publish to '{branch}': it is the upstream of your "
                          f"current branch ({upstream.split('/', 2)[-1]}){hint}")
    if remote:
        default = git.run("symbolic-ref", "-q", f"refs/remotes/{remote}/HEAD", check=False)
        if str(default.stdout).strip() == f"refs/remotes/{remote}/{branch}":
            raise TargetError(f"refusing to publish to '{branch}': it is {remote}'s default "
                              f"branch{hint}")
    for tip_ref in (ref, f"refs/remotes/{remote}/{branch}" if remote else None):
        tip = git.resolve(tip_ref) if tip_ref else None
        if tip and (git.is_ancestor(tip, head) or git.is_ancestor(head, tip)):
            shown = tip_ref[len("refs/heads/"):] if tip_ref.startswith("refs/heads/") else \
                tip_ref[len("refs/remotes/"):]
            raise TargetError(f"refusing to publish to '{branch}': {shown} shares history "
                              f"with your source commit {head[:12]}, so it is a source "
                              f"branch{hint}")


class LaminaHistory:
    """Remembers the commits already found to be lamina's, so a retry checks only new ones."""

    def __init__(self, git: Git):
        self.git = git
        self.verified: set[str] = set()

    def check(self, branch: str, tip: str | None, force: bool) -> None:
        if tip is None or tip in self.verified or force:
            return
        revs = [tip] + [f"^{v}" for v in sorted(self.verified)]
        for entry in self.git.log(*revs):
            if T.first(T.parse_trailers(entry.body), T.SOURCE_SHA) is None:
                raise TargetError(
                    f"refusing to publish to '{branch}': its commit {entry.sha[:12]} "
                    f"(\"{entry.subject}\") was not made by lamina, so the branch is not a "
                    "rendered branch lamina wrote (or someone replaced its history); check it, "
                    "or use --force to publish on top of it anyway")
        self.verified.add(tip)
