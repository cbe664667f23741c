"""One lamina run at a time per output folder: `render` and `publish` hold an exclusive
fcntl lock while they work, so two runs never interleave their staging, journal and ledger.

The lock file lives in the repository's git directory (`lamina/locks/<digest of the
folder's real path>.lock`), not in the output folder or the work tree, so it never shows in
`git status` nor in the rendered tree; outside git the folder holding the output folder is
locked itself (no file is created). The kernel drops the lock when the process ends, even on kill -9: there is no stale
lock to clean up."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import time
from typing import Callable, Iterator

from lamina.errors import LaminaError

DEFAULT_TIMEOUT = 600.0


class LockTimeout(LaminaError):
    """Another lamina run kept the output folder for longer than --lock-timeout."""


def _lock_path(output: str) -> str:
    from lamina.git import Git, GitError
    real = os.path.realpath(output)
    parent = os.path.dirname(real)
    git = Git(parent if os.path.isdir(parent) else os.getcwd())
    try:
        if git.is_repo():
            folder = git.git_path("lamina/locks")
            os.makedirs(folder, exist_ok=True)
            return os.path.join(folder, hashlib.sha256(real.encode()).hexdigest()[:32] + ".lock")
    except (GitError, OSError):
        pass
    # Outside git: the folder that holds the output folder, locked as a directory, so no
    # file is created anywhere (a render that fails leaves nothing behind).
    while not os.path.isdir(parent) and os.path.dirname(parent) != parent:
        parent = os.path.dirname(parent)
    return parent


@contextlib.contextmanager
def output_lock(output: str, timeout: float = DEFAULT_TIMEOUT,
                notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock for the body. Waits up to `timeout` seconds (saying so
    once through `notify`) when another run holds it, then raises LockTimeout."""
    path = _lock_path(output)
    try:
        if os.path.isdir(path):
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise LaminaError(f"cannot open the lock file {path}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        told = False
        delay = 0.05
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise LaminaError(f"cannot lock {path}: {exc.strerror}") from None
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"another lamina run is still using {output} after waiting {timeout:g}s; "
                    "let it finish or raise --lock-timeout")
            if not told and notify is not None:
                notify(f"waiting for another lamina run to finish with {output} "
                       f"(up to {timeout:g}s, --lock-timeout)")
                told = True
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.5)
        yield
    finally:
        os.close(fd)      # closing the descriptor releases the lock
