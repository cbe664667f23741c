"""`match` (kyaml's PathMatcher): every place a path reaches, optionally creating what is
missing; `[k=v]` treats `v` as an unanchored regular expression, `*` enters every element,
a number indexes (and may append). Replacement targets use it."""

from __future__ import annotations

import re
from typing import Any, Callable

from lamina.transformers.fieldpath.scalars import (MAP, SEQ, Scalar, is_scalar, scalar_text,
                                                   wrong_kind)
from lamina.transformers.fieldpath.syntax import (FieldPathError, is_index, is_list_selector,
                                                  split_selector)

# A place in an object: (container, key or index). The root has no slot.
Slot = tuple[Any, Any]

# Parses the text of a string scalar met before the path ends (see `match`); None when
# the text is not a YAML/JSON collection.
ParseScalar = Callable[[str], Any]


def _part_kind(next_part: str | None, leaf_kind: str) -> str:
    """The kind of node to create for a part, judged from the part after it."""
    if next_part is None or next_part == "":
        return leaf_kind
    if is_list_selector(next_part) or (is_index(next_part) and int(next_part) >= 0):
        return SEQ
    return MAP


def _new(kind: str) -> Any:
    return {} if kind == MAP else [] if kind == SEQ else Scalar()


def match(obj: Any, parts: list[str], create: str | None = None,
          parse_scalar: ParseScalar | None = None) -> list[Slot]:
    """Every slot `parts` reaches in `obj`; with `create` (the leaf kind), missing parts
    are made as kyaml's PathMatcher makes them.

    `parse_scalar(text)` parses a string scalar met before the path ends (kyaml walks into
    YAML/JSON held in a string); what it finds there lives in a throwaway copy, so setting
    it changes nothing, exactly as in kyaml.
    """
    return _match(obj, None, parts, create, parse_scalar)


def _match(node: Any, slot: Slot | None, parts: list[str], create: str | None,
           parse_scalar: ParseScalar | None) -> list[Slot]:
    if not parts:
        return [slot] if slot is not None else [(None, node)]
    head, rest = parts[0], parts[1:]
    nxt = rest[0] if rest else None
    if is_index(head) and int(head) >= 0:
        items = _as_list(node)
        idx = int(head)
        if len(items) == idx and create:
            items.append(_new(_part_kind(nxt, create)))
        if len(items) < idx + 1:
            raise FieldPathError(f"index {idx} specified but only {len(items)} elements found")
        return _match(items[idx], (items, idx), rest, create, parse_scalar)
    if is_list_selector(head):
        return _match_elements(node, head, rest, create, parse_scalar)
    if head == "*":
        out: list[Slot] = []
        for i, elem in enumerate(_as_list(node)):
            out.extend(_match(elem, (_as_list(node), i), rest, create, parse_scalar))
        return out
    return _match_field(node, head, rest, create, parse_scalar)


def _as_list(node: Any) -> list[Any]:
    if node is None:
        return []
    if not isinstance(node, list):
        raise wrong_kind("SequenceNode", node)
    return node


def _match_field(node: Any, name: str, rest: list[str], create: str | None,
                 parse_scalar: ParseScalar | None) -> list[Slot]:
    if node is None:
        return []
    if not isinstance(node, dict):
        raise wrong_kind("MappingNode", node)
    nxt = rest[0] if rest else None
    if name not in node:
        if not create:
            return []
        node[name] = _new(_part_kind(nxt, create))
    field = node[name]
    if rest and is_scalar(field) and field is not None and not isinstance(field, Scalar):
        if parse_scalar is None:
            return []
        inner = parse_scalar(scalar_text(field))
        if inner is None:
            raise wrong_kind("MappingNode", field)
        return _match(inner, None, rest, create, parse_scalar)
    return _match(field, (node, name), rest, create, parse_scalar)


def _match_elements(node: Any, head: str, rest: list[str], create: str | None,
                    parse_scalar: ParseScalar | None) -> list[Slot]:
    key, pattern = split_selector(head)
    try:
        regex = re.compile(pattern)
    except re.error as e:
        raise FieldPathError(f"invalid regular expression {pattern!r} in {head!r}: {e}") from None
    items = _as_list(node)
    out: list[Slot] = []
    for i, elem in enumerate(items):
        if not key:
            # A primitive match selects the element itself; the rest of the path is ignored.
            if regex.search(scalar_text(elem).strip()):
                out.append((items, i))
            continue
        if not isinstance(elem, dict) or elem.get(key) is None:
            continue
        if regex.search(scalar_text(elem[key]).strip()):
            out.extend(_match(elem, (items, i), rest, create, parse_scalar))
    if out or not create:
        return out
    if node is None:
        return []
    created = Scalar(pattern)
    items.append(created if not key else {key: created})
    return _match_elements(node, head, rest, create, parse_scalar)
