"""Files of lamina's on-disk caches: written whole or not at all, read back only intact.

Every cache (yaml/doc_cache.py, kustomize/memo.py, project/objcache.py) writes an entry
to a temporary file beside it and renames it into place, so concurrent writers and a
crash leave either a whole entry or none; trouble writing (a read-only or full disk) only
costs the speed-up. Checked entries carry a magic line and a SHA-256 of their payload.
"""

from __future__ import annotations

import hashlib
import os


class Damaged(ValueError):
    """The file is there but is not an intact entry of the expected kind."""


def write(path: str, data: bytes) -> None:
    """Put `data` at `path` atomically (fsguard.atomic_write: the one atomic writer; the
    file stays 0600); any OSError is swallowed (no cache is no error)."""
    from lamina.fsguard import atomic_write
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, data, mode=None, prefix=".tmp-")
    except OSError:
        pass


def write_checked(path: str, magic: bytes, payload: bytes) -> None:
    write(path, magic + hashlib.sha256(payload).digest() + payload)


def read_checked(path: str, magic: bytes) -> bytes | None:
    """The payload written by write_checked, or None when the file cannot be read.
    Raises Damaged when it is there but the magic or the checksum does not match."""
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    head = len(magic)
    payload = blob[head + 32:]
    if blob[:head] != magic or hashlib.sha256(payload).digest() != blob[head:head + 32]:
        raise Damaged(path)
    return payload
