"""Which copy of a rendered branch to read. The remote is the record: a fresh clone has only
`origin/rendered`, and a local branch left behind by an earlier run may be older than what
CI has published since. Every reader says which one it used."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from lamina.git import Git, GitError, is_lock_contention


@dataclass(frozen=True)
class Record:
    branch: str
    ref: str | None             # the full ref read; None when the branch exists nowhere
    sha: str | None
    label: str                  # "rendered" or "origin/rendered"
    why: str                    # one sentence for the user

    def rev(self, rev: str) -> str:
        """A branch-relative revision (`rendered`, `rendered~3`, `rendered^`) on the copy
        read; anything else unchanged."""
        if self.ref and (rev == self.branch or rev.startswith((self.branch + "~",
                                                                self.branch + "^"))):
            return self.ref + rev[len(self.branch):]
        return rev


def default_remote(git: Git, configured: str | None = None) -> str | None:
    remotes = git.remotes()
    if configured and configured in remotes:
        return configured
    return "origin" if "origin" in remotes else None


def read_record(git: Git, branch: str, remote: str | None) -> Record:
    local_ref = f"refs/heads/{branch}"
    local = git.resolve(local_ref)
    remote_ref = f"refs/remotes/{remote}/{branch}" if remote else None
    theirs = git.resolve(remote_ref) if remote_ref else None
    remote_label = f"{remote}/{branch}"
    if local is None and theirs is None:
        where = f" nor {remote_label}" if remote else ""
        return Record(branch, None, None, branch, f"there is no '{branch}' branch{where}")
    if local is None:
        return Record(branch, remote_ref, theirs, remote_label,
                      f"read {remote_label} (there is no local '{branch}' branch)")
    if theirs is None or theirs == local:
        where = f" (same as {remote_label})" if theirs else ""
        return Record(branch, local_ref, local, branch, f"read local '{branch}'{where}")
    if git.is_ancestor(local, theirs):
        return Record(branch, remote_ref, theirs, remote_label,
                      f"read {remote_label} (newer than the local '{branch}')")
    if git.is_ancestor(theirs, local):
        return Record(branch, local_ref, local, branch,
                      f"read local '{branch}' (ahead of {remote_label}: not pushed yet)")
    return Record(branch, remote_ref, theirs, remote_label,
                  f"read {remote_label}: the local '{branch}' has diverged from it")


def fetch_branch(git: Git, remote: str, branch: str, attempts: int = 30) -> str | None:
    """Fetch the remote's branch into refs/remotes/<remote>/<branch>; its tip, or None when
    the remote has no such branch. Lock contention with another worktree's fetch of the same
    ref is waited out, not reported."""
    tracking = f"refs/remotes/{remote}/{branch}"
    for attempt in range(attempts):
        proc = git.run("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote,
                       f"+refs/heads/{branch}:{tracking}", check=False)
        if proc.returncode == 0:
            return git.resolve(tracking)
        err = str(proc.stderr)
        if "couldn't find remote ref" in err.lower():
            return None
        if not is_lock_contention(err):
            probe = git.run("ls-remote", "--exit-code", remote, f"refs/heads/{branch}",
                            check=False)
            if probe.returncode == 2:
                return None
            raise GitError(f"cannot fetch {branch} from {remote}: {err.strip()}")
        backoff(attempt)
    raise GitError(f"cannot fetch {branch} from {remote}: its ref stayed locked by another "
                   "git process")


def backoff(attempt: int) -> None:
    time.sleep(min(0.5, 0.01 * (2 ** min(attempt, 6))) * random.uniform(0.5, 1.5))
