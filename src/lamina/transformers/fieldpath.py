"""Kustomize's dotted field paths (`spec.containers.[name=app].image`) over plain dicts.

Replacements and vars name fields with kyaml's dotted syntax rather than the slash syntax
of field specs. Two walkers read it, and they differ on purpose, as in kyaml:

- `lookup` (kyaml's PathGetter) finds at most one value: `[k=v]` matches exactly, a number
  or `-` picks a list element, `*` is refused. Replacement sources and vars use it.
- `match` (kyaml's PathMatcher) finds every place a path reaches, optionally creating
  what is missing: `[k=v]` treats `v` as an unanchored regular expression, `*` enters every
  element, a number indexes (and may append). Replacement targets use it.

Values are the loader's Python values. A scalar's "text" is what go-yaml would hold as the
node's value (`true`, `8080`), which is what kyaml compares and copies.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterator

from lamina.errors import ResourceError
from lamina.yaml.scalars import resolve_v3


class FieldPathError(ResourceError):
    """A path that cannot be walked in this object (wrong node kind, bad list selector)."""


class Scalar:
    """A scalar as go-yaml holds it: its text, its tag ('' when it has none) and its style.

    Two kinds of scalar need this instead of a plain Python value:
    - scalars kyaml creates (a new leaf, a new list element) have no tag; text copied into
      them keeps them untagged, and the final text is read as an unquoted scalar when the
      object is written, so "42" becomes the integer 42;
    - scalars inside an embedded YAML document keep their quoting when it is written back.
    `finalize` turns them into plain values once a transformer is done.
    """

    __slots__ = ("text", "tag", "style")

    def __init__(self, text: str = "", tag: str = "", style: str | None = None):
        self.text = text
        self.tag = tag
        self.style = style

    def with_text(self, text: str) -> "Scalar":
        return Scalar(text, self.tag, self.style)

    def value(self) -> Any:
        if not self.tag:
            return resolve_plain(self.text)
        return decode(self.tag, self.text)

    def __repr__(self) -> str:
        return f"Scalar({self.text!r}, {self.tag!r})"


def short_tag(value: Any) -> str:
    """go-yaml's tag for a plain value, without the `!!`; a Scalar has its own."""
    if isinstance(value, Scalar):
        return value.tag
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if value is None:
        return "null"
    return "str"


def decode(tag: str, text: str) -> Any:
    """Read `text` as a scalar tagged `tag`, failing as go-yaml does on a mismatch."""
    if tag == "str":
        return text
    resolved = resolve_plain(text)
    got = short_tag(resolved)
    if got == tag:
        return resolved
    if tag == "float" and got == "int":
        return float(resolved)
    raise FieldPathError(f"cannot decode !!{got} `{text}` as a !!{tag}")


def finalize(node: Any) -> Any:
    """Replace every Scalar in `node` by the plain value it stands for."""
    if isinstance(node, Scalar):
        return node.value()
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list, Scalar)):
                node[k] = finalize(v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list, Scalar)):
                node[i] = finalize(v)
    return node

# Which kind of node to create for a missing path part; mirrors yaml.Kind.
MAP, SEQ, SCALAR = "map", "seq", "scalar"

# A place in an object: (container, key or index). The root has no slot.
Slot = tuple[Any, Any]


@functools.lru_cache(maxsize=1024)
def _split_cached(path: str) -> tuple[str, ...]:
    return tuple(_split(path))


def split(path: str) -> list[str]:
    """Split a dotted path as kyaml's SmarterPathSplitter does (see `_split`)."""
    return list(_split_cached(path))


def _split(path: str) -> list[str]:
    """Split a dotted path as kyaml's SmarterPathSplitter does.

    `\\.` keeps a dot inside a part; a bracketed part keeps its dots (`[a.b]` becomes the
    key `a.b`; `[name=a.b]` stays a list selector); one leading `.` is ignored.
    """
    raw = path.split(".")
    if len(raw) > 1 and raw[0] == "":
        raw = raw[1:]
    parts = [raw[0]]
    for piece in raw[1:]:
        if parts[-1].endswith("\\"):
            parts[-1] = parts[-1][:-1] + "." + piece
        else:
            parts.append(piece)
    out: list[str] = []
    i = 0
    while i < len(parts):
        elem = parts[i]
        if elem.startswith("[") and not elem.endswith("]"):
            group = [elem]
            while i < len(parts) - 1:
                i += 1
                group.append(parts[i])
                if parts[i].endswith("]"):
                    break
            joined = ".".join(group)
            out.append(joined if "=" in joined else joined.strip("[]"))
        else:
            out.append(elem)
        i += 1
    return out


def scalar_text(value: Any) -> str:
    """The text go-yaml keeps for a scalar; collections have none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Scalar):
        return value.text
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return MAP
    if isinstance(value, list):
        return SEQ
    return SCALAR


def resolve_plain(text: str) -> Any:
    """What go-yaml makes of `text` as an unquoted scalar (int, float, bool, None or str)."""
    return resolve_v3(text)


_ATOI = re.compile(r"[-+]?[0-9]+\Z")


def _is_index(part: str) -> bool:
    """strconv.Atoi accepts an optional sign and decimal digits only."""
    return _ATOI.match(part) is not None


def _is_list_selector(part: str) -> bool:
    return part.startswith("[") and part.endswith("]")


def _split_selector(part: str) -> tuple[str, str]:
    body = part[1:-1] if part.endswith("]") else part[1:]
    if "=" not in body:
        raise FieldPathError(
            "list path element must contain fieldName=fieldValue for element to match")
    key, _, value = body.partition("=")
    return key, value


def _kind_name(value: Any) -> str:
    return {MAP: "MappingNode", SEQ: "SequenceNode", SCALAR: "ScalarNode"}[kind_of(value)]


def _wrong_kind(expected: str, value: Any) -> FieldPathError:
    return FieldPathError(f"wrong node kind: expected {expected} but got {_kind_name(value)}")


# ---- lookup: one value, no creation --------------------------------------------------

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
    if _is_index(part):
        idx = int(part)
        if idx < 0:
            raise FieldPathError(f"array index {idx} cannot be negative")
        if not isinstance(node, list):
            raise _wrong_kind("SequenceNode", node)
        return node[idx] if idx < len(node) else MISSING
    if part == "-":
        if not isinstance(node, list):
            raise _wrong_kind("SequenceNode", node)
        return node[-1] if node else MISSING
    if part == "*":
        raise FieldPathError("wildcard is not supported in PathGetter")
    if _is_list_selector(part):
        key, want = _split_selector(part)
        if not isinstance(node, list):
            raise _wrong_kind("SequenceNode", node)
        return _find_element(node, key, want)
    if not isinstance(node, dict):
        raise _wrong_kind("MappingNode", node)
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


# ---- match: every place, optional creation -------------------------------------------

def _part_kind(next_part: str | None, leaf_kind: str) -> str:
    """The kind of node to create for a part, judged from the part after it."""
    if next_part is None or next_part == "":
        return leaf_kind
    if _is_list_selector(next_part) or (_is_index(next_part) and int(next_part) >= 0):
        return SEQ
    return MAP


def _new(kind: str) -> Any:
    return {} if kind == MAP else [] if kind == SEQ else Scalar()


def match(obj: Any, parts: list[str], create: str | None = None,
          parse_scalar: Any = None) -> list[Slot]:
    """Every slot `parts` reaches in `obj`; with `create` (the leaf kind), missing parts
    are made as kyaml's PathMatcher makes them.

    `parse_scalar(text)` parses a string scalar met before the path ends (kyaml walks into
    YAML/JSON held in a string); what it finds there lives in a throwaway copy, so setting
    it changes nothing, exactly as in kyaml.
    """
    return _match(obj, None, parts, create, parse_scalar)


def _match(node: Any, slot: Slot | None, parts: list[str], create: str | None,
           parse_scalar: Any) -> list[Slot]:
    if not parts:
        return [slot] if slot is not None else [(None, node)]
    head, rest = parts[0], parts[1:]
    nxt = rest[0] if rest else None
    if _is_index(head) and int(head) >= 0:
        items = _as_list(node)
        idx = int(head)
        if len(items) == idx and create:
            items.append(_new(_part_kind(nxt, create)))
        if len(items) < idx + 1:
            raise FieldPathError(f"index {idx} specified but only {len(items)} elements found")
        return _match(items[idx], (items, idx), rest, create, parse_scalar)
    if _is_list_selector(head):
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
        raise _wrong_kind("SequenceNode", node)
    return node


def _match_field(node: Any, name: str, rest: list[str], create: str | None,
                 parse_scalar: Any) -> list[Slot]:
    if node is None:
        return []
    if not isinstance(node, dict):
        raise _wrong_kind("MappingNode", node)
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
            raise _wrong_kind("MappingNode", field)
        return _match(inner, None, rest, create, parse_scalar)
    return _match(field, (node, name), rest, create, parse_scalar)


def _match_elements(node: Any, head: str, rest: list[str], create: str | None,
                    parse_scalar: Any) -> list[Slot]:
    key, pattern = _split_selector(head)
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
