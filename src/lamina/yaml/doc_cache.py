"""An on-disk cache of parsed and printed large documents, keyed by content.

A 10 MB bundle of CRDs costs seconds to parse and as much to print, and it rarely changes.
Both results are pure functions of their input and of lamina's code, so they are kept
in the `docs` section of lamina's cache folder (store/folder.py), one file per entry
named by the SHA-256 of (a stamp of lamina's YAML code, see store/codestamp.py; what was
computed; the input bytes):

- parse: the text of a file of at least LARGE bytes -> its (document, line) list;
- print: a document whose marshalled form is at least LARGE bytes -> its YAML text.
  The marshalled form (version 0) spells out every type, key order and value, so two
  documents with the same bytes print the same; a CRD a transformer touched misses.
  Secrets are never kept: the cache folder may be shared (across CI runs and branches),
  and nothing secret is stored there in plaintext.

Entries are `marshal` data (plain dicts, lists and scalars only: unmarshalling never runs
code), bound to their key and checksummed by store/cachefile.py, which writes them whole
or not at all. A damaged or unreadable entry is removed and recomputed; an entry written
for another key is a miss. Any trouble with the cache
directory makes lamina compute as if there were no cache. `LAMINA_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import marshal
import os
from typing import Any, Callable

# hashlib and cachefile (with tempfile) are imported where used: most builds read no large file.

LARGE = 256 * 1024
_MAGIC = b"lamina-doc-cache 2\n"
_MARSHAL_VERSION = 4


def enabled() -> bool:
    from lamina.store.folder import enabled
    return enabled()


def cache_dir() -> str:
    from lamina.store.folder import section
    return section("docs")


def _key(kind: str, data: bytes) -> str:
    import hashlib
    from lamina.store.codestamp import code_stamp
    # The reader and the printer (and the kustomization reader) compute what is cached:
    # an entry made by other code, even under the same version, is never used.
    h = hashlib.sha256(f"{code_stamp('yaml')}\0{kind}\0".encode())
    h.update(data)
    return h.hexdigest()


def _path(key: str) -> str:
    return os.path.join(cache_dir(), key[:2], key[2:])


def _read(key: str) -> Any:
    """The cached value, or None for a miss (a damaged entry is removed)."""
    from lamina.store import cachefile
    path = _path(key)
    try:
        payload = cachefile.read_entry(path, _MAGIC, key)
        if payload is None:
            return None
        return marshal.loads(payload)
    except (cachefile.Damaged, ValueError, EOFError, TypeError):
        pass
    cachefile.discard(path)
    return None


def _write(key: str, payload: bytes) -> None:
    from lamina.store import cachefile
    cachefile.write_entry(_path(key), _MAGIC, key, payload)


def _marshal(value: Any, version: int = _MARSHAL_VERSION) -> bytes | None:
    try:
        return marshal.dumps(value, version)
    except ValueError:    # not plain data (a subclass, an object): do not cache
        return None


def cached_parse(text: str, parse: Callable[[], list[tuple[Any, int]]]) -> list[tuple[Any, int]]:
    """`parse()`'s documents for `text`, from the cache when the text is large."""
    if len(text) < LARGE or not enabled():
        return parse()
    # "parse-2": documents now carry EmptyValueKey marks, which entries written before
    # them lack (and marshal refuses, so documents holding marks are not cached).
    key = _key("parse-2", text.encode("utf-8", "surrogatepass"))
    hit = _read(key)
    if isinstance(hit, list):
        return hit
    docs = parse()
    if any(isinstance(d, dict) and d.get("kind") == "Secret" for d, _line in docs):
        return docs
    payload = _marshal(docs)
    if payload is not None:
        _write(key, payload)
    return docs


def cached_print(doc: Any, emit: Callable[[Any], str]) -> str:
    """`emit(doc)`, from the cache when the document is large."""
    if not isinstance(doc, dict) or doc.get("kind") == "Secret" or not enabled():
        return emit(doc)
    # Version 0 has no back-references or interning flags, so equal documents give equal
    # bytes whoever built them (the parser, or this cache).
    data = _marshal(doc, 0)
    if data is None or len(data) < LARGE:
        return emit(doc)
    key = _key("print", data)
    hit = _read(key)
    if isinstance(hit, str):
        return hit
    text = emit(doc)
    _write(key, marshal.dumps(text, _MARSHAL_VERSION))
    return text


def cached_value(kind: str, data: bytes, compute: Callable[[], Any]) -> Any:
    """`compute()` for the input bytes `data`, from the cache when a run before computed
    it. For pure functions of `data` whose results are plain data; results marshal
    refuses are computed every time, and exceptions are never cached."""
    if not enabled():
        return compute()
    key = _key(kind, data)
    hit = _read(key)
    if hit is not None:
        return hit
    value = compute()
    payload = _marshal(value)
    if payload is not None:
        _write(key, payload)
    return value
