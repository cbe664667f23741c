"""Bases built once per process: when several environments of one `lamina render` include
the same base, the base is accumulated once and copied for the others.

An entry is keyed by the base's folder and the build settings that can change its result,
and it is valid only while every file the base read still has the same content (sha256),
so an edit between two builds in one process is never served stale. Bases whose result
depends on more than their own files are not cached: ones declaring or inheriting vars,
custom OpenAPI schemas, build-metadata annotations, a tracer (explain follows objects), or
lamina-dialect values (each environment's values differ). LAMINA_NO_BASE_CACHE=1 turns the
cache off.

Why this is not a client of lamina/store/ (the on-disk cache store): what it keeps is a live
Accumulator (Resources with their build bookkeeping, field specs, vars), useful only to the
process that built it and dearer to serialise and read back than the base is to build. Reuse
across processes goes through the store's client for builds, the build memo (memo.py). This
module is the only owner of the in-process LRU: nothing else keeps bases between builds.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cachetools

if TYPE_CHECKING:
    from lamina.kustomize.context import BuildContext

# A pure cache: entries are validated against file contents on every use.
_CACHE: cachetools.LRUCache[tuple[str, str], Entry] = cachetools.LRUCache(maxsize=512)


@dataclass(frozen=True)
class Entry:
    digests: tuple[tuple[str, str], ...]     # (absolute path, sha256) of every file read
    snapshot: Any                            # the base's Accumulator, never handed out


def enabled(context: BuildContext) -> bool:
    return (not os.environ.get("LAMINA_NO_BASE_CACHE") and context.tracer is None
            and context.renderer is None)


def _digest(path: str) -> str | None:
    from lamina.kustomize.digests import digest
    return digest(path)


def key(root: str, restrictor: str) -> tuple[str, str]:
    return (root, restrictor)


def lookup(k: tuple[str, str]) -> Entry | None:
    entry = _CACHE.get(k)
    if entry is None:
        return None
    if any(_digest(path) != digest for path, digest in entry.digests):
        _CACHE.pop(k, None)
        return None
    return entry


def store(k: tuple[str, str], reads: set[str], snapshot: Any) -> None:
    digests = []
    for path in sorted(reads):
        d = _digest(path)
        if d is None:
            return
        digests.append((path, d))
    _CACHE[k] = Entry(tuple(digests), snapshot)
