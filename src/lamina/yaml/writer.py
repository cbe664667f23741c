"""Writing documents byte for byte as `kustomize build` prints them.

Kustomize turns each resource into JSON and hands it to go-yaml v2 (sigs.k8s.io/yaml).
go-yaml v2's emitter is a port of libyaml, so PyYAML's C emitter (yaml.CSafeDumper)
folds long lines, picks block scalars and escapes characters the same way; the pure
Python emitter does not (it leaves emoji raw and folds double-quoted text differently).
What differs is decided here, before the emitter sees a node: key order (go-yaml v2's
natural sort), which strings need double quotes (go-yaml v2's resolver, with YAML 1.1
booleans) and how numbers are spelled (Go's JSON encoding, read back by go-yaml v2).

Speed: the cyclic garbage collector is paused while a document is printed (gc_pause),
and `dump_all` shares the documents of a large output with a helper process (parallel),
with the serial path's bytes and errors.
"""

from __future__ import annotations

import io
import re
from typing import Any, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lamina.errors import YamlError
from lamina.yaml.depth import call_with_depth
from lamina.yaml.gc_pause import gc_paused
from lamina.yaml.natural import natural_sorted
from lamina.yaml.scalars import go_float_text, needs_double_quotes

# The one tag every node carries (see _Emitter); libyaml never prints it.
_TAG = "tag:yaml.org,2002:str"

# Characters go-yaml v2 refuses when it reads Kustomize's JSON back (so Kustomize
# fails): DEL, C1 controls other than NEL, U+FFFE/U+FFFF and lone surrogates.
_UNWRITABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
# A raw NEL inside Kustomize's JSON is a line break to go-yaml v2, so it folds like
# one in a double-quoted scalar: one break becomes a space, n breaks n-1 newlines.
_NEL_RUN = re.compile(" *(?:\x85 *)+")


class _Emitter(yaml.CSafeDumper):
    """libyaml's emitter; every node it gets carries the same tag, `_TAG`.

    The serializer asks `resolve` for the tag it would give each node (two or three
    times a node) and writes a `!!tag` only when the node's own tag differs. Reporting
    `_TAG` for everything keeps libyaml from ever writing one; the style of each scalar
    is chosen in `_node`. `str.format` ignores the arguments it does not use, so these
    hooks run as C calls rather than Python frames (PyYAML's path resolvers, which
    `descend_resolver`/`ascend_resolver` maintain, are unused).
    """

    # The stubs declare Python methods; these C callables stand in for them (see above).
    resolve = _TAG.format
    descend_resolver = "".format        # type: ignore[assignment]
    ascend_resolver = "".format         # type: ignore[assignment]


def dump(doc: Any) -> str:
    """One document as Kustomize prints it (no `---`, ends with a newline). Large
    documents come from the on-disk cache when an equal one was printed before."""
    from lamina.yaml.doc_cache import cached_print
    with gc_paused():
        return cached_print(doc, _dump)


def _dump(doc: Any) -> str:
    root, bom_strings = _tree_or_error(doc, False)
    text = _emit(root)
    if bom_strings:
        done = _put_bom_strings(text, bom_strings)
        if done is None:
            # A stand-in's text also occurs elsewhere in the output (practically never):
            # print again with distinctive placeholders, whose width may differ.
            root, bom_strings = _tree_or_error(doc, True)
            done = _emit(root)
            for index, value in enumerate(bom_strings):
                done = done.replace(f'"{_bom_placeholder(index, escaped=True)}"',
                                    _escape_all(value), 1)
        text = done
    return text


def _tree_or_error(doc: Any, distinct: bool):
    try:
        return call_with_depth(_tree, doc, distinct)
    except RecursionError:
        raise YamlError("document is nested too deeply to write") from None


def _emit(root) -> str:
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
    return text


def dump_all(docs: list[Any]) -> str:
    """Documents joined by `---` lines, as `kustomize build` prints a resource list.
    A large output is printed by two processes when two CPUs are free (see parallel.py)."""
    if len(docs) < 2:
        return "---\n".join(dump(doc) for doc in docs)
    with gc_paused():
        return "---\n".join(_dump_many(docs))


# Documents holding at least this many mapping entries and list items altogether (about
# 1 MB of YAML, a tenth of a second of printing) are printed by two processes when that is
# possible (see parallel.py), provided the documents other than the largest hold at least
# PARALLEL_MIN_PART of them. Below that, forking costs more than it saves.
PARALLEL_MIN_NODES = 40_000
PARALLEL_MIN_PART = 15_000


def _dump_many(docs: list[Any]) -> list[str]:
    """[dump(doc) for doc in docs], shared with a helper process (parallel.map_in_order).

    The helper sends its texts back as marshal data. Whatever it fails at, this process
    prints again, so errors are the serial ones: the first failing document in order.
    """
    largest = _largest_if_enough_work(docs)
    if largest is None:
        return [dump(doc) for doc in docs]
    from lamina.yaml import parallel
    if not parallel.usable():
        return [dump(doc) for doc in docs]
    from lamina.yaml.doc_cache import enabled
    if enabled():
        text = _cached_text(docs[largest])
        if text is not None:
            # The on-disk cache already holds the largest document: a warm run, where the
            # others are most likely there too and cost milliseconds; a helper would cost
            # more than it saves. (In order, so a failing document raises as serially.)
            return [text if i == largest else dump(doc) for i, doc in enumerate(docs)]
    return parallel.map_in_order(dump, docs, _encode_texts, _decode_texts)


def _largest_if_enough_work(docs: list[Any]) -> int | None:
    """Whether printing `docs` is worth a helper process (see PARALLEL_MIN_NODES): the
    index of the largest document seen if so, else None. Stops counting as soon as it
    knows, so a large output costs a few milliseconds to judge."""
    total = largest = 0
    index = 0
    for i, doc in enumerate(docs):
        count = _count_nodes(doc, PARALLEL_MIN_NODES)
        total += count
        if count > largest:
            largest, index = count, i
        if total >= PARALLEL_MIN_NODES and total - largest >= PARALLEL_MIN_PART:
            return index
    return None


class _NotCached(Exception):
    pass


def _not_cached(_doc: Any) -> str:
    raise _NotCached


def _cached_text(doc: Any) -> str | None:
    """The text the on-disk cache holds for `doc`, or None (nothing is printed here)."""
    from lamina.yaml.doc_cache import cached_print
    try:
        return cached_print(doc, _not_cached)
    except _NotCached:
        return None


def _count_nodes(doc: Any, cap: int) -> int:
    """The number of mapping entries and list items in `doc`, or some number >= cap."""
    count = 0
    stack = [doc]
    pop, extend = stack.pop, stack.extend
    while stack and count < cap:
        node = pop()
        cls = node.__class__
        if cls is dict:
            count += len(node)
            extend(node.values())
        elif cls is list:
            count += len(node)
            extend(node)
        elif cls is not str and isinstance(node, (dict, list, tuple)):
            count += len(node)
            extend(node.values() if isinstance(node, dict) else node)
    return count


def _encode_texts(texts: list[str]) -> bytes:
    import marshal
    return marshal.dumps(texts, 4)


def _decode_texts(data: bytes) -> list[str] | None:
    import marshal
    try:
        texts = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(texts, list) or not all(type(t) is str for t in texts):
        return None
    return texts


def _tree(doc: Any, distinct: bool = False) -> tuple[Node, list[str]]:
    """The node tree for a document, and the BOM-led strings to substitute afterwards
    (standing in the tree as `_bom_stand_in`s, or as distinct placeholders)."""
    bom_strings = _BomStrings()
    bom_strings.distinct = distinct
    return _node(doc, bom_strings), bom_strings


class _BomStrings(list[str]):
    """The BOM-led strings of a document, in the order they are printed."""

    __slots__ = ("distinct",)
    distinct: bool      # placeholders that differ per string, rather than stand-ins


def _node(data: Any, bom_strings: _BomStrings) -> Node:
    """A fresh node tree for `data` (fresh, so the emitter never invents anchors)."""
    cls = data.__class__
    if cls is str:
        return _string_node(data, bom_strings)
    if cls is dict:
        return _mapping_node(data, bom_strings)
    if cls is list:
        return SequenceNode(_TAG, [_node(item, bom_strings) for item in data], None, None, False)
    if cls is bool:
        return ScalarNode(_TAG, "true" if data else "false", None, None, None)
    if cls is int:
        return ScalarNode(_TAG, str(data), None, None, None)
    if data is None:
        return ScalarNode(_TAG, "null", None, None, None)
    # Subclasses (and tuples) take the general route.
    if isinstance(data, str):
        return _string_node(str(data), bom_strings)
    if isinstance(data, dict):
        return _mapping_node(data, bom_strings)
    if isinstance(data, (list, tuple)):
        return SequenceNode(_TAG, [_node(item, bom_strings) for item in data], None, None, False)
    return ScalarNode(_TAG, _scalar_text(data), None, None, None)


def _mapping_node(data: dict[Any, Any], bom_strings: _BomStrings) -> MappingNode:
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
            key_node = ScalarNode(_TAG, form[0], None, None, form[1])
        value = data[key]
        cls = value.__class__
        if cls is str:
            form = forms.get(value)
            if form is None or form[1] is _BOM:
                append((key_node, _string_node(value, bom_strings)))
            else:
                append((key_node, ScalarNode(_TAG, form[0], None, None, form[1])))
        elif cls is dict:
            append((key_node, _mapping_node(value, bom_strings)))
        else:
            append((key_node, _node(value, bom_strings)))
    return MappingNode(_TAG, pairs, None, None, False)


def _mapping_node_converted(data: dict[Any, Any], bom_strings: _BomStrings) -> MappingNode:
    """A mapping with keys that are not strings, which only come from code: spelled as
    JSON would have spelled them (a later key wins when two spell alike)."""
    return _mapping_node({_key_text(k): v for k, v in data.items()}, bom_strings)


def _string_node(s: str, bom_strings: _BomStrings) -> ScalarNode:
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
            stand_in = _bom_placeholder(len(bom_strings) - 1)
        else:
            stand_in = _bom_stand_in(text)
        return ScalarNode(_TAG, stand_in, None, None, '"')
    return ScalarNode(_TAG, text, None, None, style)


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


def _bom_stand_in(s: str) -> str:
    """A string libyaml prints exactly as wide as go-yaml prints the BOM-led `s`.

    go-yaml escapes every character of `s` (`_escape_all`); libyaml escapes only those it
    must. The stand-in keeps the characters libyaml escapes the same way (the BOM, line
    breaks, controls, quotes, backslashes, characters beyond the BMP) and replaces each
    other one by characters libyaml escapes to the same width: the stand-in takes the same
    columns (so a value after a BOM-led key folds where go-yaml folds it), has the same
    line breaks (which make a key complex, `? `), and as many UTF-8 bytes (libyaml's
    128-byte limit on simple keys) except one fewer per U+00A0.
    """
    parts = []
    for ch in s:
        code = ord(ch)
        if code < 0x80:
            parts.append("\x01" if 0x20 <= code <= 0x7E and ch != '"' and ch != "\\" else ch)
        elif code < 0xA0:
            parts.append(ch)          # NEL (`\N`); the other C1 controls are refused
        elif code == 0xA0:
            parts.append("\t")        # `\_` -> `\t`
        elif code <= 0xFF:
            parts.append("\x80")      # `\xE9` -> `\x80`
        elif code <= 0x7FF:
            parts.append("\x01\t")    # `\u0101` -> `\x01\t`
        elif code <= 0xFFFF and ch not in "\ufeff\u2028\u2029":
            parts.append("\ufffe")    # `\u65E5` -> `\uFFFE`
        else:
            parts.append(ch)
    return "".join(parts)


def _put_bom_strings(text: str, bom_strings: list[str]) -> str | None:
    """`text` with each BOM-led string's stand-in replaced by go-yaml's spelling of it,
    or None when a stand-in's text also occurs where no stand-in was printed."""
    stand_ins = [_escape_all(_bom_stand_in(s)) for s in bom_strings]    # as libyaml prints them
    for stand_in in set(stand_ins):
        if text.count(stand_in) != stand_ins.count(stand_in):
            return None
    parts = []
    pos = 0
    for value, stand_in in zip(bom_strings, stand_ins):
        at = text.find(stand_in, pos)
        if at < 0:
            return None
        parts.append(text[pos:at])
        parts.append(_escape_all(value))
        pos = at + len(stand_in)
    parts.append(text[pos:])
    return "".join(parts)


def _bom_placeholder(index: int, escaped: bool = False) -> str:
    # A private-use plane character makes a clash with real text practically impossible;
    # `escaped` gives the form in which libyaml writes it.
    if escaped:
        return f"\\uFEFF\\U0010FFFD{index}\\uFEFF"
    return f"\ufeff\U0010fffd{index}\ufeff"
