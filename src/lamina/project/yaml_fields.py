"""Reading lamina.yaml's fields from its node graph, each error naming the field's line."""

from __future__ import annotations

from typing import Any

import yaml

from lamina.errors import SourceRef
from lamina.project.settings import ProjectError


def compose(text: str, path: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ProjectError(f"invalid YAML: {exc.problem}",
                           SourceRef(path, mark.line + 1 if mark else None)) from None


def construct(node: yaml.Node) -> Any:
    loader = yaml.CSafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def mapping_fields(node: yaml.Node, path: str, what: str, allowed: set[str]) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise ProjectError(f"{what} must be a mapping", SourceRef(path, node.start_mark.line + 1))
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        where = SourceRef(path, key_node.start_mark.line + 1)
        if key not in allowed:
            import difflib
            close = difflib.get_close_matches(str(key), sorted(allowed), 1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ProjectError(
                f"unknown key '{key}' in {what}; {hint}allowed: {', '.join(sorted(allowed))}", where)
        if key in out:
            raise ProjectError(f"'{key}' is set twice in {what}", where)
        out[key] = value_node
    return out


def scalar_field(node: yaml.Node, path: str, what: str, kind: type = str) -> Any:
    value = construct(node)
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProjectError(f"{what} must be a {kind.__name__}, got {value!r}",
                           SourceRef(path, node.start_mark.line + 1))
    return value


def str_list_field(node: yaml.Node, path: str, what: str) -> tuple[str, ...]:
    value = construct(node)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{what} must be a list of strings",
                           SourceRef(path, node.start_mark.line + 1))
    return tuple(value)


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1
