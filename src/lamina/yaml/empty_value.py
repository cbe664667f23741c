"""Remembering which mapping values were written as nothing at all (`key:`).

go-yaml reads `key:`, `key: null` and `key: ~` as the same null, but kyaml keeps the
text, and its strategic-merge walker (merge2 VisitMap) treats them differently: a null
the patch does not mention survives only when it was spelled out; an empty one is
dropped. lamina's documents are plain data, so the reader marks the *key* of an empty
value with this str subclass: it hashes and compares as the plain key, so nothing else
notices, and code that rebuilds a mapping simply forgets the mark (the spelled-out
behaviour, which is also what Kustomize does after a JSON round trip).
"""

from __future__ import annotations


class EmptyValueKey(str):
    """A mapping key whose value was an empty plain scalar (read as null)."""

    __slots__ = ()


def is_empty_value_key(key: object) -> bool:
    return key.__class__ is EmptyValueKey
