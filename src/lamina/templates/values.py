"""Values layers: one values file, or the --set arguments, read with a position for every key.

A layer keeps its data exactly as written, including explicit nulls (they mean "remove this
key" when layers are merged) and the file:line of every node, so merged values can say which
layer set each leaf. YAML here is user data: read with the C safe loader, duplicate keys
refused, alias expansion capped, timestamps kept as the strings the user wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from lamina.errors import SourceRef
from lamina.templates.errors import ValuesError
from lamina.templates.paths import KeySelector, SetPath, ValuePath, format_path, parse_path
from lamina.templates.yaml_nodes import NestingTooDeep, expanded_size

# Expanding aliases beyond this many nodes is treated as an alias bomb.
MAX_NODES = 1_000_000
# Deeper nesting than this is refused rather than left to hit Python's recursion limit.
MAX_DEPTH = 200

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TYPES = (str, int, float, bool, type(None))


class _ValuesLoader(yaml.CSafeLoader):
    """Safe loader that keeps timestamps as text: values are JSON-like, as the schema sees them."""


def _construct_text(loader: _ValuesLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_ValuesLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)

# Numbers as go-yaml v2 (Helm's values reader) and YAML 1.2 both type them: no YAML 1.1
# base 60 (`12:30` and `22:22` stay text), `1e3` is a float, `0o17` an octal int.
_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


def _number_resolvers() -> dict:
    table: dict = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        table[first] = [(tag, rx) for tag, rx in resolvers
                        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for ch in "-+0123456789":
        table.setdefault(ch, []).append(("tag:yaml.org,2002:int", _INT))
    for ch in "-+0123456789.":
        table.setdefault(ch, []).append(("tag:yaml.org,2002:float", _FLOAT))
    return table


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    return sign * int(yaml.constructor.SafeConstructor.construct_yaml_int(loader, yaml.ScalarNode(node.tag, text)))


_ValuesLoader.yaml_implicit_resolvers = _number_resolvers()
_ValuesLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class SafeDumper(yaml.CSafeDumper):
    """Writes values and ``toyaml`` output: quotes every string that YAML 1.1, these values
    files, or Kustomize's reader (YAML 1.2) would read as something else (`0o17`, `1e3`)."""


def _quoting_resolvers() -> dict:
    table = {first: list(rs) for first, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    for first, resolvers in _ValuesLoader.yaml_implicit_resolvers.items():
        table.setdefault(first, []).extend(r for r in resolvers if r not in table[first])
    return table


SafeDumper.yaml_implicit_resolvers = _quoting_resolvers()


@dataclass(frozen=True)
class Assignment:
    """One --set argument: applied onto the values merged so far, like Helm does."""

    path: SetPath
    value: Any
    source: SourceRef


@dataclass(frozen=True)
class ValuesLayer:
    """The values of one layer: data as written, and where each node (by path) was written.

    ``assignments`` is non-empty only for --set layers: they are applied in order onto the
    merged values below them, so ``--set list[1]=x`` edits an existing list instead of
    replacing it. ``data`` then shows what the assignments alone would produce.
    """

    path: str
    data: dict[str, Any]
    positions: Mapping[ValuePath, SourceRef] = field(default_factory=dict)
    assignments: tuple[Assignment, ...] = ()


def load_values_file(path: str, text: str) -> ValuesLayer:
    """Read one values file; an empty file is an empty layer. Raises ValuesError."""
    loader = _ValuesLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return ValuesLayer(path=path, data={}, positions={(): SourceRef(path, 1, 1)})
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP_TAG:
            raise ValuesError("a values file must be a YAML mapping", _ref(path, node))
        try:
            size = expanded_size(node, MAX_DEPTH)
        except NestingTooDeep as exc:
            raise ValuesError(f"values nested deeper than {MAX_DEPTH} levels", _ref(path, exc.node)) from None
        if size > MAX_NODES:
            raise ValuesError(f"more than {MAX_NODES} values after expanding aliases (an alias bomb?)",
                              _ref(path, node))
        positions: dict[ValuePath, SourceRef] = {}
        data = _Builder(path, loader).build(node, (), positions)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ValuesError(f"invalid YAML: {exc.problem or exc.context}: fix the syntax on this line "
                          "(quote a value holding `: `, `#`, `[` or `{`)", SourceRef(path, line)) from None
    except yaml.YAMLError as exc:
        raise ValuesError(f"invalid YAML: {exc}", SourceRef(path)) from None
    finally:
        loader.dispose()
    return ValuesLayer(path=path, data=data, positions=positions)


def layer_from_sets(sets: list[str], set_strings: list[str]) -> ValuesLayer:
    """The --set (YAML-typed) and --set-string (always text) arguments as one layer.

    ``--set`` values are typed as a plain YAML scalar would be (``1`` int, ``true`` bool,
    ``null`` removes the key), except that an empty value is the empty string; a value that
    starts with ``[``, ``{`` or a quote is read as YAML (a flow list or map, a quoted string).
    One assignment per flag: commas are not separators. --set-string arguments are
    applied after --set ones.
    """
    assignments: list[Assignment] = []
    for flag, args in (("--set", sets), ("--set-string", set_strings)):
        for arg in args:
            key, raw = _split_assignment(flag, arg)
            source = SourceRef(flag)
            try:
                path = parse_path(key)
            except ValueError as exc:
                raise ValuesError(f"{flag} {arg!r}: {exc}", source) from None
            value = raw if flag == "--set-string" else _typed(flag, arg, raw)
            assignments.append(Assignment(path, value, source))
    data: dict[str, Any] = {}
    positions: dict[ValuePath, SourceRef] = {}
    for item in assignments:
        _assign_plain(data, item, positions)
    return ValuesLayer(path="--set", data=data, positions=positions, assignments=tuple(assignments))


def _split_assignment(flag: str, arg: str) -> tuple[str, str]:
    """Split at the first ``=`` that is neither escaped nor inside a ``[key=value]``."""
    depth = 0
    i = 0
    while i < len(arg):
        ch = arg[i]
        if ch == "\\":
            i += 2
            continue
        depth += (ch == "[") - (ch == "]")
        if ch == "=" and depth == 0:
            return arg[:i], arg[i + 1 :]
        i += 1
    raise ValuesError(f"{flag} {arg!r}: expected key.path=value", SourceRef(flag))


def _typed(flag: str, arg: str, raw: str) -> Any:
    if raw == "":
        return ""
    loader = _ValuesLoader("")
    try:
        if raw[0] in "[{'\"":
            try:
                node = _ValuesLoader(raw).get_single_node()
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
                raise ValuesError(f"{flag} {arg!r}: invalid YAML value: {problem}", SourceRef(flag)) from None
            assert node is not None   # the text starts with a bracket or a quote: never empty
            return _Builder(flag, loader).build(node, (), {})
        tag = loader.resolve(yaml.ScalarNode, raw, (True, False))
        return loader.construct_object(yaml.ScalarNode(tag, raw))
    finally:
        loader.dispose()


def _assign_plain(data: dict[str, Any], item: Assignment, positions: dict[ValuePath, SourceRef]) -> None:
    """Apply one assignment to a plain tree: the preview kept in ValuesLayer.data."""
    node: Any = data
    at: ValuePath = ()
    for depth, part in enumerate(item.path[:-1]):
        nxt = item.path[depth + 1]
        empty: Any = [] if isinstance(nxt, (int, KeySelector)) else {}
        part = _index(node, part)
        node = _child(node, part, empty)
        at += (part,)
        positions.setdefault(at, item.source)
    if item.value is None and isinstance(node, list):
        return  # removes a list item: nothing to preview
    last = _index(node, item.path[-1])
    if isinstance(last, int):
        _pad(node, last)
        if last == len(node):
            node.append(item.value)
        else:
            node[last] = item.value
    else:
        node[last] = item.value
    positions[at + (last,)] = item.source


def _index(node: Any, part: str | int | KeySelector) -> str | int:
    if not isinstance(part, KeySelector):
        return part
    for i, candidate in enumerate(node):
        if part.matches(candidate):
            return i
    node.append({part.key: part.value})
    return len(node) - 1


def _child(node: Any, part: str | int, empty: Any) -> Any:
    if isinstance(part, int):
        _pad(node, part)
        if part == len(node):
            node.append(empty)
        elif not isinstance(node[part], type(empty)):
            node[part] = empty
        return node[part]
    if not isinstance(node.get(part), type(empty)):
        node[part] = empty
    return node[part]


def _pad(node: list, index: int) -> None:
    # Only for the preview in ValuesLayer.data: the real assignment, applied onto the merged
    # values, refuses gaps (see merge.py). Here the list below is unknown, so pad with nulls.
    while len(node) < index:
        node.append(None)


def _ref(path: str, node: yaml.Node) -> SourceRef:
    return SourceRef(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns composed nodes into plain data, recording the position of every path."""

    def __init__(self, path: str, loader: yaml.CSafeLoader):
        self.path = path
        self.loader = loader
        self.visited = 0

    def build(self, node: yaml.Node, at: ValuePath, positions: dict[ValuePath, SourceRef]) -> Any:
        self.visited += 1
        if len(at) > MAX_DEPTH:
            raise ValuesError(f"values nested deeper than {MAX_DEPTH} levels", _ref(self.path, node))
        if self.visited > MAX_NODES:
            raise ValuesError(
                f"more than {MAX_NODES} values after expanding aliases (an alias bomb?)",
                _ref(self.path, node),
            )
        positions.setdefault(at, _ref(self.path, node))
        if isinstance(node, yaml.ScalarNode):
            value = self.loader.construct_object(node)
            if not isinstance(value, _SCALAR_TYPES):
                raise ValuesError(
                    f"unsupported YAML type {node.tag} at {format_path(at)}; values are JSON-like",
                    _ref(self.path, node),
                )
            return value
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
            return [self.build(item, at + (i,), positions) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
            return self._mapping(node, at, positions)
        raise ValuesError(f"unsupported YAML tag {node.tag} at {format_path(at)}", _ref(self.path, node))

    def _mapping(self, node: yaml.MappingNode, at: ValuePath, positions: dict[ValuePath, SourceRef]) -> dict:
        result: dict[str, Any] = {}
        seen: dict[str, SourceRef] = {}
        merged_from: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged_from.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ValuesError(f"keys must be scalars (at {format_path(at)})", _ref(self.path, key_node))
            key = key_node.value
            here = _ref(self.path, key_node)
            if key in seen:
                raise ValuesError(
                    f"duplicate key {format_path(at + (key,))} (first set at line {seen[key].line})", here
                )
            seen[key] = here
            positions[at + (key,)] = here
            result[key] = self.build(value_node, at + (key,), positions)
        # Merge keys ("<<: *base"): explicit keys win, then earlier merged mappings.
        for source in merged_from:
            if not isinstance(source, yaml.MappingNode):
                raise ValuesError("'<<' must merge a mapping or a list of mappings", _ref(self.path, source))
            extra_positions: dict[ValuePath, SourceRef] = {}
            extra = self._mapping(source, at, extra_positions)
            for key, value in extra.items():
                if key not in result:
                    result[key] = value
                    for sub, ref in extra_positions.items():
                        if sub[: len(at) + 1] == at + (key,):
                            positions.setdefault(sub, ref)
        return result
