"""Writing documents byte for byte as `kustomize build` prints them.

Kustomize turns each resource into JSON and hands it to go-yaml v2 (sigs.k8s.io/yaml).
go-yaml v2's emitter is a port of libyaml, so PyYAML's C emitter (yaml.CSafeDumper)
folds long lines, picks block scalars and escapes characters the same way; the pure
Python emitter does not (it leaves emoji raw and folds double-quoted text differently).
What differs is decided here, before the emitter sees a node: key order (go-yaml v2's
natural sort), which strings need double quotes (go-yaml v2's resolver, with YAML 1.1
booleans) and how numbers are spelled (Go's JSON encoding, read back by go-yaml v2).
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from lamina.errors import YamlError
from lamina.yaml.depth import call_with_depth
from lamina.yaml.natural import natural_sorted
from lamina.yaml.scalars import go_float_text, needs_double_quotes

_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

# Characters go-yaml v2 refuses when it reads Kustomize's JSON back (so Kustomize
# fails): DEL, C1 controls other than NEL, U+FFFE/U+FFFF and lone surrogates.
_UNWRITABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
# A raw NEL inside Kustomize's JSON is a line break to go-yaml v2, so it folds like
# one in a double-quoted scalar: one break becomes a space, n breaks n-1 newlines.
_NEL_RUN = re.compile(" *(?:\x85 *)+")


class _Emitter(yaml.CSafeDumper):
    """libyaml's emitter; every node it gets is already tagged with its default tag."""

    def resolve(self, kind, value, implicit):
        # Nodes carry only default tags and their style is chosen in `_node`, so
        # reporting the default tag keeps libyaml from ever writing a `!!tag`.
        if kind is ScalarNode:
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG


def dump(doc: Any) -> str:
    """One document as Kustomize prints it (no `---`, ends with a newline). Large
    documents come from the on-disk cache when an equal one was printed before."""
    from lamina.yaml.doc_cache import cached_print
    return cached_print(doc, _dump)


def _dump(doc: Any) -> str:
    try:
        root, bom_strings = call_with_depth(_tree, doc)
    except RecursionError:
        raise YamlError("document is nested too deeply to write") from None
    stream = io.StringIO()
    emitter = _Emitter(
        stream,
        default_flow_style=False,
        indent=2,
        width=80,
        allow_unicode=True,
        sort_keys=False,
    )
    try:
        emitter.open()
        emitter.serialize(root)
        emitter.close()
    finally:
        emitter.dispose()
    text = stream.getvalue()
    if text.endswith("\n...\n"):
        # libyaml closes a document whose last block scalar kept its trailing newlines
        # (`|+`) with an explicit `...`; go-yaml v2, an older libyaml port, does not.
        text = text[:-4]
    for index, value in enumerate(bom_strings):
        text = text.replace(f'"{_bom_placeholder(index, escaped=True)}"', _escape_all(value), 1)
    return text


def dump_all(docs: list[Any]) -> str:
    """Documents joined by `---` lines, as `kustomize build` prints a resource list."""
    return "---\n".join(dump(doc) for doc in docs)


def _tree(doc: Any) -> tuple[Any, list[str]]:
    """The node tree for a document, and the BOM-led strings to substitute afterwards."""
    bom_strings: list[str] = []
    return _node(doc, bom_strings), bom_strings


def _node(data: Any, bom_strings: list[str]):
    """A fresh node tree for `data` (fresh, so the emitter never invents anchors)."""
    if isinstance(data, str):
        return _string_node(data, bom_strings)
    if isinstance(data, dict):
        if not all(type(k) is str for k in data):
            # Keys only come as non-strings from code; JSON would have spelled them.
            data = {_key_text(k): v for k, v in data.items()}
        items = data.items() if len(data) < 2 else ((k, data[k]) for k in natural_sorted(data))
        return MappingNode(
            _MAP_TAG,
            [(_string_node(k, bom_strings), _node(v, bom_strings)) for k, v in items],
            flow_style=False,
        )
    if isinstance(data, (list, tuple)):
        return SequenceNode(_SEQ_TAG, [_node(item, bom_strings) for item in data], flow_style=False)
    return ScalarNode(_STR_TAG, _scalar_text(data), style=None)


def _string_node(s: str, bom_strings: list[str]):
    text, style = _string_form_cached(s) if len(s) <= 128 else _string_form(s)
    if style == _BOM:
        # go-yaml v2 tests for a byte order mark at the start of the whole value rather
        # than at each character, so such a string has every character escaped. libyaml
        # cannot be told to do that: emit a placeholder and substitute the text after.
        bom_strings.append(text)
        return ScalarNode(_STR_TAG, _bom_placeholder(len(bom_strings) - 1), style='"')
    return ScalarNode(_STR_TAG, text, style=style)


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


# Manifests repeat the same short strings constantly; memoise their decisions.
_string_form_cached = lru_cache(maxsize=1 << 15)(_string_form)


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


_SHORT_ESCAPES = {
    0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
    0x0D: "r", 0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_",
    0x2028: "L", 0x2029: "P",
}


def _escape_all(s: str) -> str:
    """`s` as a double-quoted scalar with every character escaped, as go-yaml v2 does."""
    parts = ['"']
    for ch in s:
        code = ord(ch)
        short = _SHORT_ESCAPES.get(code)
        if short is not None:
            parts.append("\\" + short)
        elif code <= 0xFF:
            parts.append(f"\\x{code:02X}")
        elif code <= 0xFFFF:
            parts.append(f"\\u{code:04X}")
        else:
            parts.append(f"\\U{code:08X}")
    parts.append('"')
    return "".join(parts)


def _bom_placeholder(index: int, escaped: bool = False) -> str:
    # A private-use plane character makes a clash with real text practically impossible;
    # `escaped` gives the form in which libyaml writes it.
    if escaped:
        return f"\\uFEFF\\U0010FFFD{index}\\uFEFF"
    return f"\ufeff\U0010fffd{index}\ufeff"
