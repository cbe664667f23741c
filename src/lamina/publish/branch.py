"""The rendered-branch writer: trees built in a private index, compare-and-swap ref
updates so concurrent publishers never lose a commit, pushes retried when the remote moved.

What goes into a commit (publish, rollback, release) is decided in lamina/api/; this module
only knows files, held folders and refs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from lamina.errors import LaminaError
from lamina.git import Git, is_lock_contention
from lamina.publish.record import backoff, fetch_branch
from lamina.publish.target import LaminaHistory

LEDGER = ".lamina-ledger.json"


class PublishError(LaminaError):
    """Publishing could not complete; the branch was left as it was."""


@dataclass(frozen=True)
class Landed:
    """One branch after a publish, rollback or release."""

    branch: str
    commit: str | None                    # None: nothing changed, no commit
    parent: str | None
    attempts: int = 1
    pushed: bool = False
    notes: tuple[str, ...] = ()           # what the commit did (or why there is none)


@dataclass
class Built:
    """What a build step made on a parent: the commit (None: no change) and its notes."""

    commit: str | None
    notes: list[str] = field(default_factory=list)


def ledger(git: Git, commit: str | None) -> set[str]:
    if commit is None:
        return set()
    text = git.read_blob(commit, LEDGER)
    if not text:
        return set()
    try:
        files = json.loads(text).get("files", [])
    except (ValueError, AttributeError):
        return set()
    return {f for f in files if isinstance(f, str)}


def compose_tree(git: Git, parent: str | None, files: dict[str, str],
                 keep: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """(new tree, parent tree): the parent's tree with `files` written, the files lamina
    wrote before and no longer produces removed, and everything under the `keep` prefixes
    (held environments) left exactly as it is."""
    def kept(path: str) -> bool:
        return any(path.startswith(k) for k in keep)
    owned = ledger(git, parent)
    parent_paths = {p for _m, _s, p in git.ls_tree(parent)} if parent else set()
    held = {p for p in parent_paths if kept(p)}
    contents = {p: t for p, t in files.items() if not kept(p)}
    stale = sorted(p for p in owned - set(contents) - held if p in parent_paths)
    contents[LEDGER] = json.dumps({"files": sorted(set(contents) | held)},
                                  indent=1, sort_keys=True) + "\n"
    blobs = git.write_blobs(contents)
    parent_tree = git.tree_of(parent) if parent else None
    return git.build_tree(parent_tree, stale, blobs), parent_tree


def land(git: Git, branch: str, build: Callable[[str | None], Built], push: str | None,
         max_attempts: int = 60, force: bool = False,
         history: LaminaHistory | None = None, read_remote: str | None = None) -> Landed:
    """Build a commit on the current tip with `build(parent)` and move the branch to it by
    compare-and-swap, retrying on the new tip when another publisher won the race (locally,
    on the remote, or on a ref lock shared by worktrees)."""
    ref = f"refs/heads/{branch}"
    tracking = f"refs/remotes/{push}/{branch}" if push else None
    seen = git.resolve(tracking) if tracking else None
    history = history or LaminaHistory(git)
    for attempt in range(1, max_attempts + 1):
        local = git.resolve(ref)
        if push:
            remote_tip = fetch_branch(git, push, branch)
            if seen and remote_tip and remote_tip != seen and not force and \
                    not git.is_ancestor(seen, remote_tip):
                raise PublishError(
                    f"{push}/{branch} was rewritten: it no longer contains {seen[:12]}, which "
                    f"it held before; check who replaced its history, or use --force")
            seen = remote_tip or seen
            parent = remote_tip if remote_tip is not None else local
        else:
            parent = _newest(git, local, f"refs/remotes/{read_remote}/{branch}") \
                if read_remote else local
        history.check(branch, parent, force)
        built = build(parent)
        notes = tuple(built.notes)
        if built.commit is None:
            return Landed(branch, None, parent, attempt, notes=notes)
        if not git.compare_and_swap(ref, built.commit, local):
            backoff(attempt)
            continue
        if not push:
            return Landed(branch, built.commit, parent, attempt, notes=notes)
        proc = git.run("push", "--porcelain", push, f"{built.commit}:{ref}", check=False)
        if proc.returncode == 0:
            git.run("update-ref", str(tracking), built.commit, check=False)
            return Landed(branch, built.commit, parent, attempt, pushed=True, notes=notes)
        err = str(proc.stderr) + str(proc.stdout)
        if not is_lock_contention(err) and fetch_branch(git, push, branch) == parent:
            # The remote did not move under us, so this is not a race: report git's words.
            raise PublishError(f"git push to {push} failed: {str(proc.stderr).strip()}")
        backoff(attempt)
    raise PublishError(f"gave up publishing to {branch} after {max_attempts} attempts: "
                       "other publishers kept moving the branch")


def _newest(git: Git, local: str | None, remote_ref: str) -> str | None:
    """Without --push, build on the local branch, or on origin's copy when that is newer
    (a fresh clone has only origin/<branch>)."""
    theirs = git.resolve(remote_ref)
    if theirs is None or theirs == local:
        return local
    if local is None or git.is_ancestor(local, theirs):
        return theirs
    return local
