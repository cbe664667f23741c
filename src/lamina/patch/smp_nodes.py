"""kyaml's node vocabulary for strategic merges, on plain dicts and lists.

The markers the walker passes around (a missing field, a removed node, a null to keep),
the text kyaml compares merge keys by, its element matcher and setter for merge-keyed
lists, and the `$patch` directive reader. strategic.py walks with these; they are kept
apart because they are kyaml's semantics one function at a time, each checked against
Kustomize on its own.
"""

from __future__ import annotations

import math
from typing import Any

from lamina.errors import ResourceError

_DIRECTIVE = "$patch"
_DIRECTIVES = ("delete", "replace", "merge")


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING: Any = _Marker("MISSING")     # the field is absent
CLEAR: Any = _Marker("CLEAR")        # the walk removed the node
KEEP_NULL: Any = _Marker("KEEP_NULL")  # a null the resource had and the patch did not touch


def is_absent(v: Any) -> bool:
    """kyaml's IsMissingOrNull."""
    return v is MISSING or v is None or v is CLEAR or v is KEEP_NULL


def is_empty_map(v: Any) -> bool:
    return isinstance(v, dict) and not v


def node_text(v: Any) -> str:
    """The scalar text kyaml compares merge keys by."""
    if type(v) is str:
        return v
    if v is None or isinstance(v, (dict, list)) or v is MISSING:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        from lamina.yaml.scalars import go_float_text
        return go_float_text(v)
    return str(v)


def _kind_name(v: Any) -> str:
    if isinstance(v, dict):
        return "MappingNode"
    if isinstance(v, list):
        return "SequenceNode"
    return "ScalarNode"


def wrong_kind(expected: str, node: Any) -> ResourceError:
    from lamina.yaml import dump
    return ResourceError(f"wrong node kind: expected {expected} but got {_kind_name(node)}: "
                         f"node contents:\n{dump(node)}")


def from_text(text: str) -> Any:
    from lamina.yaml.scalars import resolve_v3
    v = resolve_v3(text)
    if isinstance(v, float) and not math.isfinite(v):
        return text
    return v


# ---------------------------------------------------------------------------
# List element plumbing: kyaml's FieldMatcher, ElementMatcher and ElementSetter.
# ---------------------------------------------------------------------------


def _field_found(elem: Any, name: str, value: str) -> bool:
    """FieldMatcher: an empty value means 'the field exists'."""
    if is_absent(elem):
        return False
    if name == "":
        if isinstance(elem, (dict, list)):
            raise wrong_kind("ScalarNode", elem)
        return node_text(elem) == value
    if not isinstance(elem, dict):
        raise wrong_kind("MappingNode", elem)
    if name not in elem:
        return False
    return value == "" or node_text(elem[name]) == value


def set_element(lst: list, element: Any, keys: list[str], values: list[str]) -> None:
    """ElementSetter: replace (or, with no element, remove) the elements matching the
    keys, append the element when none matched. Null and empty-map elements are dropped
    on the way, as kyaml does."""
    keys = keys or [""]
    mapping_setter = keys[0] != "" and bool(values) and values[0] != ""
    kept: list = []
    matched = False
    for elem in lst:
        if is_absent(elem) or is_empty_map(elem):
            continue
        if not isinstance(elem, dict) and mapping_setter:
            kept.append(elem)
            continue
        found = False
        for j, key in enumerate(keys):
            if j < len(values):
                found = _field_found(elem, key, values[j])
            if not found:
                break
        if not found:
            if values:
                kept.append(elem)
            continue
        matched = True
        if element is None:
            continue
        kept.append(element)
    lst[:] = kept
    if element is None or is_absent(element):
        return
    if not matched:
        lst.append(element)


def find_element(lst: Any, keys: list[str], values: list[str]) -> Any:
    """ElementMatcher: the first element whose keys have exactly these values."""
    if not isinstance(lst, list):
        return MISSING
    keys = keys or [""]
    values = values or [""]
    if keys[0] == "":
        for elem in lst:
            if node_text(elem) == values[0]:
                return elem
        return MISSING
    if len(keys) != len(values):
        raise ResourceError("length of keys must equal length of values when MatchAnyValue is false")
    for elem in lst:
        if not isinstance(elem, dict):
            continue
        if all(k in elem and node_text(elem[k]) == v for k, v in zip(keys, values)):
            return elem
    return MISSING


def usable_keys(values_list: list[list[str]], values: list[str],
                keys: list[str]) -> tuple[list[str], list[str]]:
    present = {keys[i] for vals in values_list for i, v in enumerate(vals) if v != ""}
    if not present:
        return keys, values
    return ([k for k in keys if k in present],
            [v for i, v in enumerate(values) if v != "" or keys[i] in present])


def _match(a: list[str], b: list[str]) -> tuple[bool, list[str]]:
    if len(a) != len(b):
        return False, []
    common = False
    out: list[str] = []
    for x, y in zip(a, b):
        if x == y:
            common = True
            out.append(x)
            continue
        if x and y:
            return False, []
        out.append(x or y)
    return common, out


def merge_values(values_list: list[list[str]]) -> list[list[str]]:
    """Unify partial multi-key identities (a port without a protocol matches one with)."""
    for i in range(len(values_list)):
        first = values_list[i]
        for j in range(len(values_list)):
            ok, merged = _match(first, values_list[j])
            if ok:
                values_list[i] = merged
                values_list[j] = merged
    return values_list


# ---------------------------------------------------------------------------
# Directives.
# ---------------------------------------------------------------------------


def patch_directive(patch: Any) -> str:
    """Read and strip `$patch` from a patch node; 'merge' when there is none."""
    if patch is MISSING:
        return "merge"
    if isinstance(patch, list):
        for elem in patch:
            if isinstance(elem, dict) and _DIRECTIVE in elem:
                if len(elem) > 1:
                    return "merge"
                value = node_text(elem[_DIRECTIVE])
                if value not in _DIRECTIVES:
                    raise ResourceError(f"unknown patch strategy '{value}'")
                set_element(patch, None, [_DIRECTIVE], [value])
                return value
        return "merge"
    if isinstance(patch, dict):
        if _DIRECTIVE not in patch:
            return "merge"
        value = node_text(patch[_DIRECTIVE])
        if value not in _DIRECTIVES:
            raise ResourceError(f"unknown patch strategy '{value}'")
        del patch[_DIRECTIVE]
        return value
    raise ResourceError(f"no implemented strategic merge patch strategy for {patch!r}")
