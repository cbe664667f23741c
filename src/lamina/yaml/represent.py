"""JSON-like data as the node tree libyaml's emitter prints as go-yaml v2 would.

Everything that differs from PyYAML's own representer is decided here, node by node: key
order (go-yaml v2's natural sort), which strings need double quotes (go-yaml v2's resolver,
with YAML 1.1 booleans) or a block scalar, how numbers are spelled (Go's JSON encoding,
read back by go-yaml v2), and the characters Kustomize cannot write. Every node carries the
one tag `TAG`, which the emitter (writer.py) never prints. BOM-led strings stand in as
bom.py describes.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lamina.errors import YamlError
from lamina.yaml.bom import bom_placeholder, bom_stand_in
from lamina.yaml.natural import natural_sorted
from lamina.yaml.scalars import go_float_text, needs_double_quotes

# The one tag every node carries (see writer.py's emitter); libyaml never prints it.
TAG = "tag:yaml.org,2002:str"

# Characters go-yaml v2 refuses when it reads Kustomize's JSON back (so Kustomize
# fails): DEL, C1 controls other than NEL, U+FFFE/U+FFFF and lone surrogates.
_UNWRITABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
# A raw NEL inside Kustomize's JSON is a line break to go-yaml v2, so it folds like
# one in a double-quoted scalar: one break becomes a space, n breaks n-1 newlines.
_NEL_RUN = re.compile(" *(?:\x85 *)+")


def tree(doc: Any, distinct: bool = False) -> tuple[Node, list[str]]:
    """The node tree for a document, and the BOM-led strings to substitute afterwards
    (standing in the tree as `bom_stand_in`s, or as distinct placeholders)."""
    bom_strings = BomStrings()
    bom_strings.distinct = distinct
    return _node(doc, bom_strings), bom_strings


class BomStrings(list[str]):
    """The BOM-led strings of a document, in the order they are printed."""

    __slots__ = ("distinct",)
    distinct: bool      # placeholders that differ per string, rather than stand-ins


def _node(data: Any, bom_strings: BomStrings) -> Node:
    """A fresh node tree for `data` (fresh, so the emitter never invents anchors)."""
    cls = data.__class__
    if cls is str:
        return _string_node(data, bom_strings)
    if cls is dict:
        return _mapping_node(data, bom_strings)
    if cls is list:
        return SequenceNode(TAG, [_node(item, bom_strings) for item in data], None, None, False)
    if cls is bool:
        return ScalarNode(TAG, "true" if data else "false", None, None, None)
    if cls is int:
        return ScalarNode(TAG, str(data), None, None, None)
    if data is None:
        return ScalarNode(TAG, "null", None, None, None)
    # Subclasses (and tuples) take the general route.
    if isinstance(data, str):
        return _string_node(str(data), bom_strings)
    if isinstance(data, dict):
        return _mapping_node(data, bom_strings)
    if isinstance(data, (list, tuple)):
        return SequenceNode(TAG, [_node(item, bom_strings) for item in data], None, None, False)
    return ScalarNode(TAG, _scalar_text(data), None, None, None)


def _mapping_node(data: dict[Any, Any], bom_strings: BomStrings) -> MappingNode:
    keys: Iterable[Any] = data
    if len(data) > 1:
        try:
            keys = natural_sorted(data)
        except (TypeError, AttributeError):    # keys that are not strings at all
            return _mapping_node_converted(data, bom_strings)
    mark = len(bom_strings)
    pairs: list[tuple[Node, Node]] = []
    append = pairs.append
    forms = _FORMS
    for key in keys:
        if key.__class__ is not str:
            if not isinstance(key, str):
                # Forget the BOM-led strings of what was built before this key.
                del bom_strings[mark:]
                return _mapping_node_converted(data, bom_strings)
            # The reader's marked keys (EmptyValueKey) sort as the text they are, but
            # libyaml's emitter insists on plain str.
            key = str(key)
        # `_string_node` and `_node`, inlined for the common cases (a known short
        # string, a nested mapping): this loop runs for every key of every document.
        form = forms.get(key)
        if form is None or form[1] is _BOM:
            key_node = _string_node(key, bom_strings)
        else:
            key_node = ScalarNode(TAG, form[0], None, None, form[1])
        value = data[key]
        cls = value.__class__
        if cls is str:
            form = forms.get(value)
            if form is None or form[1] is _BOM:
                append((key_node, _string_node(value, bom_strings)))
            else:
                append((key_node, ScalarNode(TAG, form[0], None, None, form[1])))
        elif cls is dict:
            append((key_node, _mapping_node(value, bom_strings)))
        else:
            append((key_node, _node(value, bom_strings)))
    return MappingNode(TAG, pairs, None, None, False)


def _mapping_node_converted(data: dict[Any, Any], bom_strings: BomStrings) -> MappingNode:
    """A mapping with keys that are not strings, which only come from code: spelled as
    JSON would have spelled them (a later key wins when two spell alike)."""
    return _mapping_node({_key_text(k): v for k, v in data.items()}, bom_strings)


def _string_node(s: str, bom_strings: BomStrings) -> ScalarNode:
    form = _FORMS.get(s)
    if form is None:
        form = _string_form(s)
        if len(s) <= 128:
            # Manifests repeat the same short strings constantly; remember their forms.
            if len(_FORMS) >= _FORMS_MAX:
                _FORMS.clear()
            _FORMS[s] = form
    text, style = form
    if style is _BOM:
        # go-yaml v2 tests for a byte order mark at the start of the whole value rather
        # than at each character, so such a string has every character escaped. libyaml
        # cannot be told to do that: emit a placeholder and substitute the text after.
        bom_strings.append(text)
        if bom_strings.distinct:
            stand_in = bom_placeholder(len(bom_strings) - 1)
        else:
            stand_in = bom_stand_in(text)
        return ScalarNode(TAG, stand_in, None, None, '"')
    return ScalarNode(TAG, text, None, None, style)


_FORMS: dict[str, tuple[str, str | None]] = {}
_FORMS_MAX = 1 << 15


_BOM = "bom"


def _string_form(s: str) -> tuple[str, str | None]:
    """The text go-yaml v2 would see, and the style to ask libyaml for."""
    if _UNWRITABLE.search(s):
        raise YamlError(
            f"string {s!r} holds a character Kustomize cannot write (DEL, a C1 control, "
            "U+FFFE/U+FFFF or a surrogate); remove it or spell it differently"
        )
    if "\x85" in s:
        s = _NEL_RUN.sub(_fold_nel, s)
    if s.startswith("\ufeff"):
        return s, _BOM
    if "\n" in s:
        return s, "|"  # libyaml falls back to "..." when a block cannot hold the text
    if needs_double_quotes(s):
        return s, '"'
    return s, None  # plain if libyaml allows it, else '...', else "..."


def _fold_nel(m: re.Match) -> str:
    breaks = m.group().count("\x85")
    return " " if breaks == 1 else "\n" * (breaks - 1)


def _scalar_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        try:
            return go_float_text(value)
        except ValueError as exc:
            raise YamlError(str(exc)) from None
    raise TypeError(f"cannot write a {type(value).__name__} as YAML: {value!r}")


def _key_text(key: Any) -> str:
    # Keys are strings after Kustomize's JSON step; other key types only come from
    # code, and JSON would have spelled them as text.
    # str() also turns the reader's marked keys (EmptyValueKey) into plain text, which
    # libyaml's emitter insists on.
    return str(key) if isinstance(key, str) else _scalar_text(key)
