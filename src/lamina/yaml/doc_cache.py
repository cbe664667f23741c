"""An on-disk cache of parsed and printed large documents, keyed by content.

A 10 MB bundle of CRDs costs seconds to parse and as much to print, and it rarely changes.
Both results are pure functions of their input and of lamina's code, so they are kept
under `$XDG_CACHE_HOME/lamina/docs` (or `~/.cache/lamina/docs`), one file per entry named
by the SHA-256 of (a stamp of lamina's YAML code, see lamina/codestamp.py; what was
computed; the input bytes):

- parse: the text of a file of at least LARGE bytes -> its (document, line) list;
- print: a document whose marshalled form is at least LARGE bytes -> its YAML text.
  The marshalled form (version 0) spells out every type, key order and value, so two
  documents with the same bytes print the same; a CRD a transformer touched misses.

Entries are `marshal` data (plain dicts, lists and scalars only: unmarshalling never runs
code) behind a magic line and a SHA-256 of the payload, written to a temporary file and
renamed into place, so concurrent writers and a crash leave either a whole entry or none.
A damaged or unreadable entry is removed and recomputed. Any trouble with the cache
directory makes lamina compute as if there were no cache. `LAMINA_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import marshal
import os
from typing import Any, Callable

# hashlib and cachefile (with tempfile) are imported where used: most builds read no large file.

LARGE = 256 * 1024
_MAGIC = b"lamina-doc-cache 1\n"
_MARSHAL_VERSION = 4


def enabled() -> bool:
    return os.environ.get("LAMINA_NO_CACHE", "") in ("", "0")


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lamina", "docs")


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
        payload = cachefile.read_checked(path, _MAGIC)
        if payload is None:
            return None
        return marshal.loads(payload)
    except (cachefile.Damaged, ValueError, EOFError, TypeError):
        pass
    try:
        os.unlink(path)
    except OSError:
        pass
    return None


def _write(key: str, payload: bytes) -> None:
    from lamina.store import cachefile
    cachefile.write_checked(_path(key), _MAGIC, payload)


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
    payload = _marshal(docs)
    if payload is not None:
        _write(key, payload)
    return docs


def cached_print(doc: Any, emit: Callable[[Any], str]) -> str:
    """`emit(doc)`, from the cache when the document is large."""
    if not isinstance(doc, dict) or not enabled():
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
