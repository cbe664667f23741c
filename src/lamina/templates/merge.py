"""Merging values layers, lowest precedence first, remembering which layer set each leaf.

Rules: maps merge deeply; a null removes the key (in any layer, so no null reaches a
template as a map value); lists are replaced whole, unless the schema gives the list an
``x-lamina-merge-key: <key>``, in which case items are matched on that key, matching items
merge deeply and new items are appended in order. --set layers are applied as assignments
onto the values merged below them.

Merging is associative as long as every layer gives a key the same kind (map, list or
scalar); a layer that changes a key's kind replaces what was below it, so then (as in
Helm) the grouping matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from lamina.errors import SourceRef
from lamina.templates.errors import ValuesError
from lamina.templates.paths import KeySelector, ValuePath, format_path, parse_path
from lamina.templates.schema_nav import MERGE_KEY, subschema
from lamina.templates.values import Assignment, ValuesLayer


_Schemas = tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class MergedValues:
    """The values a template sees, with the file:line that set every node and the files read."""

    data: dict[str, Any]
    origins: Mapping[ValuePath, SourceRef] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def origin(self, path: ValuePath | str) -> SourceRef:
        """Where the value at ``path`` (a tuple or ``a.b[0]``) was set; KeyError if unset."""
        key = parse_path(path) if isinstance(path, str) else tuple(path)
        plain = tuple(part for part in key if not isinstance(part, KeySelector))
        if len(plain) != len(key):
            raise KeyError(path)    # origins are kept by index, not by `[name=x]`
        return self.origins[plain]


@dataclass
class _Tracked:
    """A value during merging, paired with the place that set it (mutable, never escapes)."""

    value: Any  # dict[str, _Tracked] | list[_Tracked] | a scalar
    ref: SourceRef


def merge_layers(layers: list[ValuesLayer], schema: dict[str, Any] | Sequence[dict[str, Any]] | None = None) -> MergedValues:
    """Merge ``layers`` (lowest precedence first).

    ``schema`` (one, or the schemas of all layers) only supplies list merge keys; with several,
    the first that declares a merge key for a list decides.
    """
    schemas = _as_schemas(schema)
    root = _Tracked({}, SourceRef(layers[0].path if layers else "<no values>"))
    for layer in layers:
        if layer.assignments:
            for item in layer.assignments:
                root = _apply(root, item, schemas)
        else:
            upper = track(layer.data, layer.positions, (), SourceRef(layer.path))
            root = _merge(root, upper, schemas, ())
    origins: dict[ValuePath, SourceRef] = {}
    data = untrack(root, (), origins)
    sources = tuple(dict.fromkeys(layer.path for layer in layers))
    return MergedValues(data=data, origins=MappingProxyType(origins), sources=sources)


def deep_merge(lower: Any, upper: Any, schema: dict[str, Any] | Sequence[dict[str, Any]] | None = None) -> Any:
    """The merge rule on plain data, without origins (for callers and property tests)."""
    here = SourceRef("<data>")
    merged = _merge(track(lower, {}, (), here), track(upper, {}, (), here), _as_schemas(schema), ())
    return untrack(merged, (), {})


def track(data: Any, positions: Mapping[ValuePath, SourceRef], at: ValuePath, fallback: SourceRef) -> _Tracked:
    ref = positions.get(at, fallback)
    if isinstance(data, dict):
        return _Tracked({k: track(v, positions, at + (k,), ref) for k, v in data.items()}, ref)
    if isinstance(data, list):
        return _Tracked([track(v, positions, at + (i,), ref) for i, v in enumerate(data)], ref)
    return _Tracked(data, ref)


def untrack(node: _Tracked, at: ValuePath, origins: dict[ValuePath, SourceRef]) -> Any:
    origins[at] = node.ref
    if isinstance(node.value, dict):
        return {k: untrack(v, at + (k,), origins) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [untrack(v, at + (i,), origins) for i, v in enumerate(node.value)]
    return node.value


def _as_schemas(schema: dict[str, Any] | Sequence[dict[str, Any]] | None) -> _Schemas:
    if schema is None:
        return ()
    return (schema,) if isinstance(schema, dict) else tuple(schema)


def _merge_key(schemas: _Schemas, at: ValuePath) -> str | None:
    for schema in schemas:
        key = (subschema(schema, at) or {}).get(MERGE_KEY)
        if isinstance(key, str):
            return key
    return None


def _merge(lower: _Tracked, upper: _Tracked, schemas: _Schemas, at: ValuePath) -> _Tracked:
    if isinstance(lower.value, dict) and isinstance(upper.value, dict):
        result = dict(lower.value)
        for key, item in upper.value.items():
            if item.value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = _merge(result[key], item, schemas, at + (key,))
            else:
                result[key] = _without_nulls(item)
        return _Tracked(result, lower.ref)
    if isinstance(lower.value, list) and isinstance(upper.value, list):
        merge_key = _merge_key(schemas, at)
        if merge_key is not None:
            return _merge_keyed(lower, upper, merge_key, schemas, at)
    return _without_nulls(upper)


def _merge_keyed(lower: _Tracked, upper: _Tracked, key: str, schemas: _Schemas, at: ValuePath) -> _Tracked:
    items = list(lower.value)
    index = {_item_key(item, key): i for i, item in enumerate(items) if _item_key(item, key) is not None}
    for item in upper.value:
        name = _item_key(item, key)
        if name is not None and name in index:
            i = index[name]
            items[i] = _merge(items[i], item, schemas, at + (i,))
        else:
            if name is not None:
                index[name] = len(items)
            items.append(_without_nulls(item))
    return _Tracked(items, upper.ref)


def _item_key(item: _Tracked, key: str) -> Any:
    if isinstance(item.value, dict) and key in item.value:
        name = item.value[key].value
        return name if isinstance(name, (str, int, float, bool)) else None
    return None


def _without_nulls(node: _Tracked) -> _Tracked:
    if isinstance(node.value, dict):
        kept = {k: _without_nulls(v) for k, v in node.value.items() if v.value is not None}
        return _Tracked(kept, node.ref)
    if isinstance(node.value, list):
        return _Tracked([_without_nulls(v) for v in node.value], node.ref)
    return node


def _apply(root: _Tracked, item: Assignment, schemas: _Schemas) -> _Tracked:
    """One --set assignment onto the merged tree: creates maps and lists on the way."""
    node = root
    at: ValuePath = ()
    for depth, part in enumerate(item.path[:-1]):
        want_list = isinstance(item.path[depth + 1], (int, KeySelector))
        step = _resolve(node, part, item)
        node = _step(node, step, want_list, item)
        at += (step,)
    container = node.value
    if item.value is None:
        _remove(container, item.path[-1])
        return root
    last = _resolve(node, item.path[-1], item)
    value = track(item.value, {}, (), item.source)
    if isinstance(last, int):
        _check_index(container, last, item)
        if last == len(container):
            container.append(_without_nulls(value))
        else:
            container[last] = _merge(container[last], value, schemas, at + (last,))
    elif last in container:
        container[last] = _merge(container[last], value, schemas, at + (last,))
    else:
        container[last] = _without_nulls(value)
    return root


def _remove(container: dict | list, part: str | int | KeySelector) -> None:
    """``--set x=null`` removes a key, a list item by index, or the items a selector matches."""
    if isinstance(container, dict):
        container.pop(part, None)
    elif isinstance(part, KeySelector):
        container[:] = [c for c in container if not part.matches(untrack(c, (), {}))]
    elif isinstance(part, int) and part < len(container):
        del container[part]


def _resolve(node: _Tracked, part: str | int | KeySelector, item: Assignment) -> str | int:
    """A ``[key=value]`` part as the index of the matching item, appended when none matches."""
    if not isinstance(part, KeySelector):
        return part
    items = node.value
    for i, candidate in enumerate(items):
        if part.matches(untrack(candidate, (), {})):
            return i
    items.append(_Tracked({part.key: _Tracked(part.value, item.source)}, item.source))
    return len(items) - 1


def _step(node: _Tracked, part: str | int, want_list: bool, item: Assignment) -> _Tracked:
    container = node.value
    if isinstance(part, int):
        _check_index(container, part, item)
        if part == len(container):
            container.append(_Tracked(None, item.source))
        child = container[part]
    else:
        child = container.setdefault(part, _Tracked(None, item.source))
    wanted = list if want_list else dict
    if not isinstance(child.value, wanted):
        child.value, child.ref = wanted(), item.source
    elif isinstance(child.value, dict):
        child.value = dict(child.value)  # copy on write: tracked nodes may be shared by layers
    else:
        child.value = list(child.value)
    return child


def _check_index(container: list, index: int, item: Assignment) -> None:
    if index > len(container):
        raise ValuesError(
            f"cannot set {format_path(item.path)}: index {index} is past the end of a list "
            f"of {len(container)} item(s)",
            item.source,
        )
