"""Replacement targets inside JSON or YAML held in a string field.

Kustomize v5.8 lets a target path run on into a string that holds a document, e.g.
`data.config\\.json.db.host` where `config.json` is a JSON text. The part of the path up to
the string is walked in the object; the rest is walked in the parsed text, the value set
there, and the text written back: JSON stays JSON (compact, or indented by two spaces when
the original was indented), anything else is written as YAML.

This is tried before the ordinary walk for every target path and only takes over when some
prefix of the path ends at a string that parses and the rest of the path finds a field.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import yaml as _pyyaml

from lamina.errors import LaminaError
from lamina.transformers import fieldpath

_NOT_PARSED = object()


def parse_embedded(text: str) -> Any:
    """Parse a string the way go-yaml's Unmarshal into a node does (first document)."""
    from lamina.yaml import load_all

    docs = load_all(text, "<embedded document>")
    return docs[0] if docs else None


def _try_parse(text: str) -> Any:
    try:
        return parse_embedded(text)
    except LaminaError:
        return _NOT_PARSED


def set_in_structured_data(obj: Any, parts: list[str], create: str | None,
                           set_plain: Callable[[Any], Any]) -> bool:
    """Set the value inside an embedded document if the path leads into one.

    Returns False (and changes nothing) when the path does not go through a string
    holding a document, so the caller walks the path the ordinary way.
    """
    if len(parts) < 2:
        return False
    for i in range(1, len(parts)):
        try:
            found = fieldpath.lookup(obj, parts[:i])
        except fieldpath.FieldPathError:
            continue
        if not isinstance(found, str):
            continue
        parsed = _try_parse(found)
        if parsed is _NOT_PARSED:
            continue
        if parsed is None:
            return False
        return _set_inside(obj, parts[:i], found, parsed, parts[i:], create, set_plain)
    return False


def _set_inside(obj: Any, outer: list[str], text: str, parsed: Any, inner: list[str],
                create: str | None, set_plain: Callable[[Any], Any]) -> bool:
    holder = {"root": parsed}
    try:
        slots = fieldpath.match(holder, ["root", *inner], create)
    except LaminaError:
        return False
    if not slots:
        return False
    for container, key in slots:
        try:
            container[key] = set_plain(container[key])
        except LaminaError:
            return False
    fieldpath.finalize(holder)
    try:
        new_text = _serialize(holder["root"], text)
    except (TypeError, ValueError, _pyyaml.YAMLError):
        return False
    # Write the text back into the field the outer path named.
    parent = fieldpath.lookup(obj, outer[:-1]) if len(outer) > 1 else obj
    last = outer[-1]
    if isinstance(parent, dict) and last in parent:
        parent[last] = new_text
        return True
    if isinstance(parent, list):
        for idx, item in enumerate(parent):
            if item is text:
                parent[idx] = new_text
                return True
    return False


def _go_json_escape(s: str) -> str:
    """Go's encoding/json escapes HTML-significant characters and line separators."""
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _serialize(data: Any, original: str) -> str:
    stripped = original.strip()
    if stripped[:1] in ("{", "["):
        if "\n" in original and "  " in original:
            return _go_json_escape(json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2))
        return _go_json_escape(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                          separators=(",", ":")))
    text = _pyyaml.dump(data, Dumper=_pyyaml.CSafeDumper, sort_keys=False,
                        default_flow_style=False, allow_unicode=True, width=1 << 30)
    return text.strip()
