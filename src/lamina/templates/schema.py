"""Checking merged values against a layer's ``valuesSchema`` (JSON Schema, Draft 2020-12).

``default``s in the schema fill keys the values leave unset (before checking, so a
required key with a default is satisfied); their origin is the schema file, and the line of
the ``default`` when the schema was read with ``load_schema``. Errors name
the value's path, what the schema expects, and the file:line of the value that is wrong;
a missing required key names the schema and the values files consulted.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import jsonschema
import referencing.exceptions
from jsonschema.exceptions import ValidationError

from lamina.errors import LaminaError, SourceRef, yaml_text
from lamina.templates.errors import ValuesSchemaError
from lamina.templates.merge import MergedValues
from lamina.templates.paths import ValuePath, format_path
from lamina.templates.schema_nav import child_schema, resolve_ref
from lamina.templates.values import load_values_file

_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
               (type(None), "null"), (dict, "object"), (list, "array"))


@dataclass(frozen=True)
class ValuesSchema:
    """A valuesSchema file: the schema, and the file:line of each of its nodes."""

    path: str
    schema: dict[str, Any]
    positions: Mapping[ValuePath, SourceRef] = field(default_factory=dict)


def load_schema(path: str, text: str) -> ValuesSchema:
    """Read a valuesSchema file, JSON or YAML (duplicate keys refused); raises ValuesSchemaError."""
    try:
        layer = load_values_file(path, text)
    except LaminaError as exc:
        raise ValuesSchemaError(exc.message, exc.source) from None
    return ValuesSchema(path=path, schema=layer.data, positions=layer.positions)


def validate_values(merged: MergedValues, schema: dict[str, Any], schema_path: str,
                    positions: Mapping[ValuePath, SourceRef] | None = None) -> MergedValues:
    """Apply the schema's defaults to ``merged`` and check it; raises ValuesSchemaError.

    ``positions`` (from ``load_schema``) lets defaults and schema errors carry a line.
    """
    where = _schema_locator(schema, schema_path, positions or {})
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        at = tuple(exc.absolute_path)
        raise ValuesSchemaError(f"not a valid JSON Schema (at {format_path(at)}): {exc.message}",
                                (positions or {}).get(at, SourceRef(schema_path))) from None
    data = copy.deepcopy(merged.data)
    origins = dict(merged.origins)
    _apply_defaults(schema, schema, data, (), origins, where)
    result = MergedValues(data=data, origins=MappingProxyType(origins), sources=merged.sources)
    validator = jsonschema.Draft202012Validator(schema)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    except referencing.exceptions.Unresolvable as exc:
        raise ValuesSchemaError(f"cannot resolve $ref {exc.ref!r} (only references inside the schema work)",
                                SourceRef(schema_path)) from None
    problems: list[tuple[SourceRef, str]] = []
    for error in errors:
        for problem in _describe(error, result, schema_path):
            if problem not in problems:
                problems.append(problem)
    if problems:
        source, first = problems[0]
        more = "; ".join(f"{ref}: {text}" for ref, text in problems[1:])
        # Every file the text names moves with the error when it is named from the root.
        named = (*result.sources, schema_path, *(ref.path for ref, _ in problems))
        raise ValuesSchemaError(first + (f" (also {more})" if more else ""), source,
                                tuple(dict.fromkeys(named)))
    return result


def _schema_locator(schema: Any, schema_path: str,
                    positions: Mapping[ValuePath, SourceRef]) -> Callable[[dict[str, Any]], SourceRef]:
    """Where a subschema's ``default`` is written, found by the subschema object's identity."""
    paths: dict[int, ValuePath] = {}

    def walk(node: Any, at: ValuePath) -> None:
        if isinstance(node, (dict, list)):
            paths.setdefault(id(node), at)
            for key, value in (node.items() if isinstance(node, dict) else enumerate(node)):
                walk(value, at + (key,))

    walk(schema, ())

    def locate(subschema: dict[str, Any]) -> SourceRef:
        at = paths.get(id(subschema))
        found = positions.get(at + ("default",)) if at is not None else None
        return found if found is not None else SourceRef(schema_path)

    return locate


def _apply_defaults(root: dict, node: Any, data: Any, at: ValuePath, origins: dict,
                    where: Callable[[dict[str, Any]], SourceRef]) -> None:
    schema = resolve_ref(root, node)
    if schema is None:
        return
    if isinstance(data, dict):
        properties = schema.get("properties")
        for key, sub in (properties.items() if isinstance(properties, dict) else ()):
            resolved = resolve_ref(root, sub)
            if key not in data and resolved is not None and resolved.get("default") is not None:
                data[key] = copy.deepcopy(resolved["default"])
                _mark(data[key], at + (key,), origins, where(resolved))
        for key, value in data.items():
            _apply_defaults(root, child_schema(schema, key), value, at + (key,), origins, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _apply_defaults(root, child_schema(schema, i), value, at + (i,), origins, where)


def _mark(value: Any, at: ValuePath, origins: dict, ref: SourceRef) -> None:
    origins[at] = ref
    if isinstance(value, dict):
        for key, sub in value.items():
            _mark(sub, at + (key,), origins, ref)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _mark(sub, at + (i,), origins, ref)


def _describe(error: ValidationError, values: MergedValues, schema_path: str) -> list[tuple[SourceRef, str]]:
    at: ValuePath = tuple(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    where = _origin(values, at)
    if kind == "required":
        consulted = ", ".join(values.sources) or "no values files"
        return [
            (SourceRef(schema_path), f"missing required value {format_path(at + (key,))} "
             f"(required by {schema_path}; values files consulted: {consulted})")
            for key in expected if isinstance(instance, dict) and key not in instance
        ]
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return [(where, f"{format_path(at)} must be {wanted}, got {_json_type(instance)} "
                        f"{yaml_text(instance)}: fix the value here (or the schema)")]
    if kind == "enum":
        return [(where, f"{format_path(at)} must be one of {yaml_text(expected)}, got {yaml_text(instance)}: "
                        "fix the value here (or the schema)")]
    if kind == "const":
        return [(where, f"{format_path(at)} must be {yaml_text(expected)}, got {yaml_text(instance)}: "
                        "fix the value here (or the schema)")]
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = schema.get("properties") or {}
        extra = [key for key in instance if key not in known]
        return [(_origin(values, at + (key,)), f"unknown key {format_path(at + (key,))}{_near(key, known, at)} "
                 f"(not allowed by {schema_path})") for key in extra[:1]] or [(where, error.message)]
    return [(where, f"{format_path(at)}: {error.message}")]


def _near(key: str, known: Any, at: ValuePath) -> str:
    close = difflib.get_close_matches(key, [k for k in known if isinstance(k, str)], n=1)
    return f"; did you mean {format_path(at + (close[0],))}?" if close else ""


def _origin(values: MergedValues, at: ValuePath) -> SourceRef:
    """The origin of ``at`` or of its nearest ancestor that has one."""
    for depth in range(len(at), -1, -1):
        ref = values.origins.get(at[:depth])
        if ref is not None:
            return ref
    return SourceRef(values.sources[-1] if values.sources else "<values>")


def _json_type(value: Any) -> str:
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__
