"""Files of lamina's on-disk caches: written whole or not at all, read back only intact and
only for the key they were written for.

Every cache (yaml/doc_cache.py, kustomize/memo.py, project/objcache.py, the owners file of
project/owners.py) writes an entry to a temporary file beside it and renames it into
place, so concurrent writers and a crash leave either a whole entry or none; trouble
writing (a read-only or full disk) only costs the speed-up.

An entry is `magic`, then a SHA-256 over (the key's digest + the payload), then the key's
digest, then the payload. The key is everything the entry answers for (the input digest,
the code stamp, the overlay's path ...). An entry whose file was moved or copied into the
place of another's (a swapped file in a shared CI cache) carries a different key digest:
it is a miss, never a wrong answer. The checksum catches torn or edited files.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from typing import Any

_DIGEST = 32


class Damaged(ValueError):
    """The file is there but is not an intact entry of the expected kind."""


def key_digest(key: str | bytes) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass") if isinstance(key, str)
                          else key).digest()


def write_atomic(path: str, data: bytes) -> None:
    """Put `data` at `path` atomically (fsguard.atomic_write: the one atomic writer; the
    file stays 0600); any OSError is swallowed (no cache is no error)."""
    from lamina.fsguard import atomic_write
    from lamina.store.limits import note_write
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, data, mode=None, prefix=".tmp-")
    except OSError:
        return
    note_write()


def write_entry(path: str, magic: bytes, key: str | bytes, payload: bytes) -> None:
    """Store `payload` at `path` as the answer for `key`."""
    bound = key_digest(key)
    write_atomic(path, magic + hashlib.sha256(bound + payload).digest() + bound + payload)


def read_entry(path: str, magic: bytes, key: str | bytes) -> bytes | None:
    """The payload stored for `key` at `path`, or None: no file, an unreadable one, or an
    intact entry written for another key. Raises Damaged when the magic or the checksum
    does not match (the caller removes the file)."""
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    head = len(magic)
    check = blob[head:head + _DIGEST]
    bound = blob[head + _DIGEST:head + 2 * _DIGEST]
    payload = blob[head + 2 * _DIGEST:]
    if (blob[:head] != magic or len(bound) != _DIGEST
            or hashlib.sha256(bound + payload).digest() != check):
        raise Damaged(path)
    if bound != key_digest(key):
        return None
    return payload


def read_marshal(path: str, magic: bytes, key: str | bytes) -> Any:
    """The `marshal` data stored for `key` at `path` (loading it runs no code), or None:
    no entry, one for another key, or a damaged one (then the file is removed)."""
    try:
        payload = read_entry(path, magic, key)
        return None if payload is None else marshal.loads(payload)
    except (Damaged, ValueError, EOFError, TypeError):   # Damaged is a ValueError
        discard(path)
        return None


def discard(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
