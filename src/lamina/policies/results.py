"""Policy results remembered by content: within the process, and across runs in the
`policies` section of lamina's cache store (store/folder.py).

What a policy says about one object (the rules it fails and their messages) is a pure
function of the policy's content, of what the policy reads of the object (cut down to
the parts its expressions, Rego or patterns name), of the request and the params, of the
engine and of lamina's own code. Each engine keys a result by a digest of exactly those
(`key`), so an object whose relevant content another environment, or the last run, already
had is not evaluated again; matching (kinds, selectors, namespaces) is always worked out
afresh, since it reads the environment around the object.

Across runs, each rendered target keeps one "pack": the results its last check used,
`marshal` data (plain tuples, strings and numbers: loading runs no code), bound to the
project and target and checksummed by store/cachefile.py (a pack moved into another
target's place is a miss), holding a stamp of lamina's policy code and of the engines'
library versions (a pack written by other code or other engines is not used). An entry is
found only under the digest of its own key, so a swapped or edited entry answers nothing.
A damaged or unreadable pack is ignored, and trouble writing one only costs the speed-up.
Results about a Secret are never written (a message may quote its values).
`LAMINA_NO_CACHE=1` turns the packs off (nothing read or written).
"""

from __future__ import annotations

import hashlib
import marshal
import os
from typing import Any, Callable

_MAGIC = b"lamina-policy-results 1\n"
_MARSHAL_VERSION = 4
_MISSING: Any = object()

Key = tuple[bytes, ...]          # see combine()

# Every result of this process, by key (shared by all targets a worker renders).
_PROCESS: dict[Key, Any] = {}
_PROCESS_MAX = 400_000


def _remember(k: Key, value: Any) -> None:
    if len(_PROCESS) >= _PROCESS_MAX:
        _PROCESS.clear()
    _PROCESS[k] = value


def kept(obj: Any) -> bool:
    """Whether results about this object (a checks' Obj) may be remembered: never a
    Secret's (a message may quote its values, and the packs are files a CI cache shares)."""
    return obj.kind != "Secret"


def key(*parts: str | bytes) -> bytes:
    """The digest a result is found by: of every part, each length-prefixed (so no two
    different sequences of parts give the same bytes)."""
    h = hashlib.blake2b(digest_size=32)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


def combine(*digests: bytes) -> Key:
    """The key of one result: the digests (made by key()) of the policy and of what it
    reads. A tuple, not a digest of them: a warm run looks up one per policy and object,
    and hashing a tuple of bytes costs nothing (bytes keep their hash)."""
    return digests


_STAMP: list[str] = []


def stamp() -> str:
    """lamina's version and policy code (store/codestamp.py), and the version of each
    engine library: a result computed by other code is not used. Once per process."""
    if _STAMP:
        return _STAMP[0]
    from importlib import metadata

    from lamina.store.codestamp import code_stamp
    versions = []
    for dist in ("common-expression-language", "gordon-to-regorus", "jmespath"):
        try:
            versions.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist}=-")
    _STAMP.append(code_stamp("policies") + ";" + ",".join(versions))
    return _STAMP[0]


def _location(root: str, target: str) -> tuple[str, str]:
    """(the pack's file, the key it is bound to)."""
    from lamina.store.folder import section
    bound = f"{os.path.realpath(root)}\0{target}"
    name = hashlib.sha256(bound.encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(section("policies"), name[:2], name[2:]), bound


class Results:
    """The results one environment's check may reuse and those it computed. With no
    `root` (or with LAMINA_NO_CACHE), they live in the process only."""

    # A pack is written back when results were computed anew, or when more than this
    # share of it went unused (the objects are gone).
    UNUSED_SHARE = 0.1

    def __init__(self, root: str = "", target: str = ""):
        from lamina.store.folder import enabled
        self.path = self.bound = ""
        self.pack: dict[Key, Any] = {}
        self.used: dict[Key, Any] = {}
        self.fresh = 0
        self.hits = 0
        if root and target and enabled():
            self.path, self.bound = _location(root, target)
            self._load()

    def _load(self) -> None:
        from lamina.store import cachefile
        data = cachefile.read_marshal(self.path, _MAGIC, self.bound)
        if isinstance(data, tuple) and len(data) == 2 and data[0] == stamp() \
                and isinstance(data[1], dict):
            self.pack = data[1]

    def get(self, k: Key, valid: Callable[[Any], bool]) -> Any:
        """The result remembered for key `k`, or `MISSING` (also for a value `valid`
        refuses: an entry of another shape is recomputed)."""
        found = _PROCESS.get(k, _MISSING)
        if found is _MISSING:
            found = self.pack.get(k, _MISSING)
            if found is _MISSING or not valid(found):
                return _MISSING
            _remember(k, found)
        elif self.path and k not in self.pack:
            self.fresh += 1          # another target's result: new to this pack
        self.hits += 1
        if self.path:
            self.used[k] = found
        return found

    def put(self, k: Key, value: Any) -> Any:
        """Remember `value` for `k` (never called for a Secret); returns it."""
        _remember(k, value)
        if self.path:
            self.used[k] = value
            self.fresh += 1
        return value

    def save(self) -> None:
        """Write the pack back with exactly the results this check used, when worth it."""
        if not self.path:
            return
        unused = len(self.pack) - (len(self.used) - self.fresh)
        if not self.fresh and unused <= self.UNUSED_SHARE * max(len(self.pack), 1):
            return
        try:
            payload = marshal.dumps((stamp(), self.used), _MARSHAL_VERSION)
        except ValueError:     # a value marshal cannot write: nothing is remembered
            return
        from lamina.store import cachefile
        cachefile.write_entry(self.path, _MAGIC, self.bound, payload)
        self.pack, self.fresh = self.used, 0


MISSING = _MISSING
