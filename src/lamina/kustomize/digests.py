"""SHA-256 digests of input files, computed once per file per process.

The base cache, the build memo and `lamina render`'s input list all ask for the digest of
the same files, environment after environment. A digest is remembered with the file's
stat (modification time in nanoseconds, size, inode) and recomputed whenever that
changes, so an edit made while lamina runs is still seen. File times tick coarsely (a few
milliseconds), so two same-sized writes within one tick would look alike: as git does
for its index, a file changed in the last two seconds is never remembered, only read.
"""

from __future__ import annotations

import hashlib
import os
import time

_SETTLED_NS = 2_000_000_000

_KNOWN: dict[str, tuple[tuple[int, int, int], str]] = {}


def digest(path: str) -> str | None:
    """The hex SHA-256 of the file's content, or None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _KNOWN.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        with open(path, "rb") as fh:
            value = hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None
    if time.time_ns() - st.st_mtime_ns > _SETTLED_NS:
        _KNOWN[path] = (stamp, value)
    return value


def forget() -> None:
    """Drop every remembered digest (tests that rewrite files within one clock tick)."""
    _KNOWN.clear()
