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
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

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
    """One document as Kustomize prints it (no `---`, ends with a newline)."""
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
        emitter.serialize(_node(doc))
        emitter.close()
    finally:
        emitter.dispose()
    return stream.getvalue()


def dump_all(docs: list[Any]) -> str:
    """Documents joined by `---` lines, as `kustomize build` prints a resource list."""
    return "---\n".join(dump(doc) for doc in docs)


def _node(data: Any):
    """A fresh node tree for `data` (fresh, so the emitter never invents anchors)."""
    if isinstance(data, str):
        return _string_node(data)
    if isinstance(data, dict):
        items = data.items() if len(data) < 2 else ((k, data[k]) for k in natural_sorted(data))
        return MappingNode(
            _MAP_TAG,
            [(_string_node(_key_text(k)), _node(v)) for k, v in items],
            flow_style=False,
        )
    if isinstance(data, (list, tuple)):
        return SequenceNode(_SEQ_TAG, [_node(item) for item in data], flow_style=False)
    return ScalarNode(_STR_TAG, _scalar_text(data), style=None)


def _string_node(s: str):
    if _UNWRITABLE.search(s):
        raise ValueError(
            f"string {s!r} holds a character Kustomize cannot write (DEL, a C1 control, "
            "U+FFFE/U+FFFF or a surrogate)"
        )
    if "\x85" in s:
        s = _NEL_RUN.sub(_fold_nel, s)
    if "\n" in s:
        style = "|"  # libyaml falls back to "..." when a block cannot hold the text
    elif needs_double_quotes(s):
        style = '"'
    else:
        style = None  # plain if libyaml allows it, else '...', else "..."
    return ScalarNode(_STR_TAG, s, style=style)


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
        return go_float_text(value)
    raise TypeError(f"cannot write a {type(value).__name__} as YAML: {value!r}")


def _key_text(key: Any) -> str:
    # Keys are strings after Kustomize's JSON step; other key types only come from
    # code, and JSON would have spelled them as text.
    return key if isinstance(key, str) else _scalar_text(key)
