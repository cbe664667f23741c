"""`lookup` (kyaml's PathGetter): at most one value, nothing created; `[k=v]` matches
exactly, a number or `-` picks a list element, `*` is refused. Replacement sources and
vars use it."""

from __future__ import annotations

from typing import Any, Iterator

from lamina.transformers.fieldpath.scalars import is_scalar, scalar_text, wrong_kind
from lamina.transformers.fieldpath.syntax import (FieldPathError, is_index, is_list_selector,
                                                  split_selector)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


# What `lookup` returns when the path leads nowhere (None is a real value: YAML null).
MISSING = _Missing()


def lookup(obj: Any, parts: list[str]) -> Any:
    """The value at `parts`, or MISSING. Raises FieldPathError where kyaml errs."""
    node = obj
    for part in parts:
        node = _step(node, part)
        if node is MISSING:
            return MISSING
    return node


def prefixes(obj: Any, parts: list[str]) -> Iterator[Any]:
    """The values `lookup` would give for parts[:1], parts[:2], ...; stops where the
    path leads nowhere or cannot be walked."""
    node = obj
    for part in parts:
        try:
            node = _step(node, part)
        except FieldPathError:
            return
        if node is MISSING:
            return
        yield node


def _step(node: Any, part: str) -> Any:
    """One PathGetter step (blank parts are skipped, as kyaml's cleanPath drops them)."""
    part = part.strip()
    if not part:
        return node
    if node is None:
        return MISSING
    if is_index(part):
        idx = int(part)
        if idx < 0:
            raise FieldPathError(f"array index {idx} cannot be negative")
        if not isinstance(node, list):
            raise wrong_kind("SequenceNode", node)
        return node[idx] if idx < len(node) else MISSING
    if part == "-":
        if not isinstance(node, list):
            raise wrong_kind("SequenceNode", node)
        return node[-1] if node else MISSING
    if part == "*":
        raise FieldPathError("wildcard is not supported in PathGetter")
    if is_list_selector(part):
        key, want = split_selector(part)
        if not isinstance(node, list):
            raise wrong_kind("SequenceNode", node)
        return _find_element(node, key, want)
    if not isinstance(node, dict):
        raise wrong_kind("MappingNode", node)
    return node.get(part, MISSING)


def _find_element(items: list[Any], key: str, want: str) -> Any:
    """The first element whose `key` field (or, with no key, whose own text) equals `want`."""
    for elem in items:
        if not key:
            if is_scalar(elem) and scalar_text(elem) == want:
                return elem
            if not is_scalar(elem) and want == "":
                return elem
            continue
        if isinstance(elem, dict) and key in elem and scalar_text(elem[key]) == want:
            return elem
    return MISSING
