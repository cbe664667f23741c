"""The size of lamina's cache folder: what it holds, a limit with eviction, and clearing.

The caches grow with every overlay and every large file a machine builds. Once per process,
at its first cache write, and at most once an hour (a stamp file's age says when the last
look was), the folder is measured; when it holds more than the limit, the entries written
longest ago are removed until it fits. The limit is `LAMINA_CACHE_MAX_MB` (default 2048).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass

from lamina.store.folder import SECTIONS, root

DEFAULT_LIMIT_MB = 2048
CHECK_EVERY_SECONDS = 3600
_STAMP = ".size-checked"
_checked = False


@dataclass(frozen=True)
class Section:
    name: str
    files: int
    bytes: int


def limit_bytes() -> int:
    try:
        mb = int(os.environ.get("LAMINA_CACHE_MAX_MB", "") or DEFAULT_LIMIT_MB)
    except ValueError:
        mb = DEFAULT_LIMIT_MB
    return max(mb, 0) * 1024 * 1024


def _entries(section: str) -> list[tuple[float, int, str]]:
    """(mtime, size, path) of every file of one section."""
    out = []
    for folder, _dirs, files in os.walk(os.path.join(root(), section)):
        for name in files:
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            out.append((st.st_mtime, st.st_size, path))
    return out


def usage() -> list[Section]:
    """Files and bytes of each section of the cache folder."""
    return [Section(name, len(entries), sum(size for _t, size, _p in entries))
            for name in SECTIONS for entries in [_entries(name)]]


def evict(limit: int) -> int:
    """Remove the entries written longest ago until the folder holds at most `limit` bytes;
    the number removed."""
    entries = sorted(e for name in SECTIONS for e in _entries(name))
    total = sum(size for _t, size, _p in entries)
    removed = 0
    for _mtime, size, path in entries:
        if total <= limit:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def clear() -> int:
    """Remove every cache entry; the number of files removed."""
    count = sum(s.files for s in usage())
    for name in SECTIONS:
        shutil.rmtree(os.path.join(root(), name), ignore_errors=True)
    try:
        os.unlink(os.path.join(root(), _STAMP))
    except OSError:
        pass
    return count


def note_write() -> None:
    """Called after each cache write: keeps the folder under its limit (see the docstring)."""
    global _checked
    if _checked:
        return
    _checked = True
    stamp = os.path.join(root(), _STAMP)
    try:
        if time.time() - os.stat(stamp).st_mtime < CHECK_EVERY_SECONDS:
            return
    except OSError:
        pass
    try:
        with open(stamp, "wb"):
            pass
    except OSError:
        return
    evict(limit_bytes())
