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
_TAG = "tag:yaml.org,2002:"


def parse_embedded(text: str) -> Any:
    """Parse a string the way go-yaml's Unmarshal into a node does (first document)."""
    from lamina.yaml import load_all

    docs = load_all(text, "<embedded document>")
    return docs[0] if docs else None


class _StyledMap(dict):
    """A mapping from an embedded document that remembers whether it was written in flow style."""

    flow: bool | None = None


class _StyledSeq(list):
    flow: bool | None = None


def _from_node(node: Any) -> Any:
    """Composed YAML nodes -> dicts, lists and Scalars that keep their styles."""
    if isinstance(node, _pyyaml.MappingNode):
        m = _StyledMap()
        m.flow = node.flow_style
        for key, value in node.value:
            m[str(key.value)] = _from_node(value)
        return m
    if isinstance(node, _pyyaml.SequenceNode):
        seq = _StyledSeq(_from_node(v) for v in node.value)
        seq.flow = node.flow_style
        return seq
    if node.style:
        return fieldpath.Scalar(node.value, "str", node.style)
    # A plain scalar's type is what go-yaml v3 reads it as.
    return fieldpath.Scalar(node.value, fieldpath.short_tag(fieldpath.resolve_plain(node.value)), None)


def _to_node(value: Any) -> Any:
    """The reverse of `_from_node`; plain values (copied in from a source) are represented
    the usual way."""
    if isinstance(value, dict):
        pairs = [(_pyyaml.ScalarNode(_TAG + "str", str(k)), _to_node(v)) for k, v in value.items()]
        return _pyyaml.MappingNode(_TAG + "map", pairs,
                                   flow_style=getattr(value, "flow", None) or False)
    if isinstance(value, list):
        return _pyyaml.SequenceNode(_TAG + "seq", [_to_node(v) for v in value],
                                    flow_style=getattr(value, "flow", None) or False)
    if isinstance(value, fieldpath.Scalar):
        if value.tag:
            tag = _TAG + value.tag
        else:
            tag = _pyyaml.resolver.Resolver().resolve(_pyyaml.ScalarNode, value.text, (True, False))
        return _pyyaml.ScalarNode(tag, value.text, style=value.style)
    return _pyyaml.representer.SafeRepresenter().represent_data(value)


def _compose(text: str) -> Any:
    """The first document of `text` with its styles, or _NOT_PARSED."""
    try:
        for node in _pyyaml.compose_all(text, Loader=_pyyaml.CSafeLoader):
            return None if node is None else _from_node(node)
        return None
    except (_pyyaml.YAMLError, ValueError):
        return _NOT_PARSED


def set_in_structured_data(obj: Any, parts: list[str], create: str | None,
                           set_plain: Callable[[Any], Any]) -> bool:
    """Set the value inside an embedded document if the path leads into one.

    Returns False (and changes nothing) when the path does not go through a string
    holding a document, so the caller walks the path the ordinary way.
    """
    if len(parts) < 2:
        return False
    # kyaml tries every proper prefix; once one fails to resolve, longer ones fail too.
    for i, found in enumerate(fieldpath.prefixes(obj, parts[:-1]), start=1):
        if found is None and create:
            # kyaml parses the null's text ("null") as a document, creates the rest of the
            # path inside that copy and writes text into a node still tagged null: the
            # field stays null and no error is raised.
            return True
        if not isinstance(found, str):
            if fieldpath.is_scalar(found):
                return False
            continue
        parsed = _compose(found)
        if parsed is _NOT_PARSED:
            return False
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
    try:
        new_text = _serialize(holder["root"], text)
    except (TypeError, ValueError, _pyyaml.YAMLError, LaminaError):
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
        data = fieldpath.finalize(data)
        if "\n" in original and "  " in original:
            return _go_json_escape(json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2))
        return _go_json_escape(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                          separators=(",", ":")))
    text = _pyyaml.serialize(_to_node(data), Dumper=_pyyaml.CSafeDumper, allow_unicode=True,
                             width=1 << 30)
    return text.strip()
