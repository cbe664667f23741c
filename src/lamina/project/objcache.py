"""What `lamina render` computed per resource last time: its YAML text and its per-object
check findings, remembered per rendered target and keyed by the resource's content.

A render of 200 services prints and checks a thousand resources per environment, and a
change to one base file changes a handful of them. Both the text (yaml.dump) and the
findings of the checks that look at one object at a time (checks/runner.py PER_OBJECT)
are pure functions of the resource's content and of lamina itself, so each target keeps
one "pack" in the `render` section of lamina's cache folder (store/folder.py):

- a resource's key is the BLAKE2b-256 of its pickle, written without the pickler's memo
  (so two equal resources give equal bytes whoever built them, and a resource that
  differs in any value, key order or type gives other bytes; label maps count as the
  plain mappings they print as);
- a pack maps keys to (text, findings, cross-environment findings); each kind of findings
  was computed for one check configuration (runner.per_object_key: the checks, their
  options, the Kubernetes version, and for cross-environment the other environments'
  markers), recorded in the pack, and is not used for any other;
- a pack is `marshal` data (plain tuples, dicts and strings: loading it runs no code),
  bound to its project and target and checksummed by store/cachefile.py (a pack moved
  into another target's place is a miss), holding a stamp of lamina's version and of the
  source of the code whose results it holds (the checks and the YAML printer). A damaged,
  foreign or unreadable pack is ignored, and any trouble writing one only costs the
  speed-up;
- Secrets have no key, so they are never kept: their text would be their values in
  plaintext, in a folder that CI runs and branches may share;
- each render rewrites a pack with exactly the resources it rendered, so a pack never
  grows beyond one environment's resources.

`LAMINA_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
from enum import IntEnum
from typing import Any

_MAGIC = b"lamina-render-pack 3\n"
_MARSHAL_VERSION = 4


def enabled() -> bool:
    from lamina.store.folder import enabled
    return enabled()


def cache_dir() -> str:
    from lamina.store.folder import section
    return section("render")


def code_stamp() -> str:
    """lamina's version and the size and mtime of every source file whose results a pack
    holds (the checks and the YAML printer): a pack written by other code is not used."""
    from lamina.store.codestamp import code_stamp as stamp
    return stamp("checks", "yaml")


_TABLE: list[dict[Any, Any]] = []


def _dispatch_table() -> dict[Any, Any]:
    """Label and annotation maps (EntryMap) pickle as the plain mappings they print as: the
    nodes they share with other maps during a build reach neither the text nor a check."""
    if not _TABLE:
        import copyreg
        from lamina.transformers.labels import EntryMap
        table = copyreg.dispatch_table.copy()
        table[EntryMap] = lambda m: (dict, (dict(m),))
        _TABLE.append(table)
    return _TABLE[0]


def object_key(obj: Any) -> bytes | None:
    """The content key of one resource, or None when it cannot be pickled or is a Secret."""
    if isinstance(obj, dict) and obj.get("kind") == "Secret":
        return None
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, 5)
    pickler.fast = True      # no memo: the bytes depend on values, not on sharing
    pickler.dispatch_table = _dispatch_table()
    try:
        pickler.dump(obj)
    except Exception:        # anything unpicklable (or self-referencing): no key
        return None
    return hashlib.blake2b(buf.getbuffer(), digest_size=32).digest()


def _pack_location(root: str, target: str) -> tuple[str, str]:
    """(the pack's file, the key it is bound to)."""
    key = f"{os.path.realpath(root)}\0{target}"
    name = hashlib.sha256(key.encode()).hexdigest()
    return os.path.join(cache_dir(), name[:2], name[2:]), key


def _valid_findings(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(f, tuple) and len(f) == 5 and isinstance(f[0], str) and isinstance(f[1], str)
        and isinstance(f[2], tuple) and all(isinstance(r, str) for r in f[2])
        and isinstance(f[3], tuple) and f[4] in ("error", "warning") for f in value)


class Slot(IntEnum):
    """Which findings of an entry: its place in the entry (the text is at 0)."""

    PER_OBJECT = 1       # the checks that look at one object alone (runner.PER_OBJECT)
    CROSS = 2            # cross-environment


Findings = tuple[tuple[Any, ...], ...]
Entry = tuple[str | None, Findings | None, Findings | None]


class Pack:
    """One target's remembered texts and findings. Each entry is (text, findings of the
    checks that look at one object alone, cross-environment findings); each kind of
    findings holds for the one check configuration recorded for it (`keys`)."""

    SLOTS = len(Slot)

    def __init__(self, root: str, target: str):
        self.path, self.key = _pack_location(root, target)
        self.keys: tuple[str | None, ...] = (None,) * self.SLOTS
        self.entries: dict[bytes, Entry] = {}
        self._load()

    def _load(self) -> None:
        from lamina.store import cachefile
        data = cachefile.read_marshal(self.path, _MAGIC, self.key)
        if data is None:
            return
        if not (isinstance(data, tuple) and len(data) == 3 and data[0] == code_stamp()
                and isinstance(data[1], tuple) and len(data[1]) == self.SLOTS
                and isinstance(data[2], dict)):
            return      # another lamina's pack: not used, overwritten after this render
        self.keys = tuple(k if isinstance(k, str) else None for k in data[1])
        self.entries = data[2]

    def _entry(self, key: bytes | None) -> Entry | None:
        entry = self.entries.get(key) if key is not None else None
        if isinstance(entry, tuple) and len(entry) == 1 + self.SLOTS and \
                (entry[0] is None or isinstance(entry[0], str)):
            return entry
        return None

    def text(self, key: bytes | None) -> str | None:
        """The printed YAML remembered for this content (None: none; `lamina check`
        remembers findings without printing)."""
        entry = self._entry(key)
        return entry[0] if entry is not None else None

    def findings(self, key: bytes | None, slot: Slot, config: str | None) -> Findings | None:
        """The findings in `slot` remembered for this content under check configuration
        `config`."""
        if config is None or config != self.keys[slot - 1]:
            return None
        entry = self._entry(key)
        if entry is not None and _valid_findings(entry[slot]):
            found: Findings = entry[slot]     # type: ignore[assignment]  # checked just above
            return found
        return None

    def save(self, entries: dict[bytes, Entry], keys: tuple[str | None, ...]) -> None:
        """Remember exactly `entries` (key -> (text or None, findings or None, findings or None)),
        valid for the configurations `keys`, when they differ from what the pack holds."""
        if keys == self.keys and entries == self.entries:
            return
        payload = marshal.dumps((code_stamp(), keys, entries), _MARSHAL_VERSION)
        from lamina.store import cachefile
        cachefile.write_entry(self.path, _MAGIC, self.key, payload)
        self.keys, self.entries = keys, entries
