"""`lamina cache info` and `lamina cache clear`: what lamina's cache folder holds, and
emptying it (store/limits.py)."""

from __future__ import annotations

from dataclasses import dataclass

from lamina.store import folder, limits


@dataclass(frozen=True)
class CacheInfo:
    """The cache folder, whether caching is on (LAMINA_NO_CACHE), its size limit in bytes
    (LAMINA_CACHE_MAX_MB), and the files and bytes of each section."""

    folder: str
    enabled: bool
    limit: int
    sections: tuple[limits.Section, ...]

    @property
    def files(self) -> int:
        return sum(s.files for s in self.sections)

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.sections)


@dataclass(frozen=True)
class Cleared:
    folder: str
    files: int


def cache_info() -> CacheInfo:
    return CacheInfo(folder.root(), folder.enabled(), limits.limit_bytes(),
                     tuple(limits.usage()))


def cache_clear() -> Cleared:
    """Remove every cache entry (the caches only speed lamina up: nothing is lost)."""
    return Cleared(folder.root(), limits.clear())
