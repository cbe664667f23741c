"""Reading manifests the way Kustomize (kyaml, go-yaml v3) reads them.

PyYAML's own resolver follows YAML 1.1 (`on:` becomes True, `1:20` becomes 80) and keeps
the last of two duplicate keys. Kustomize differs in every one of those, and what a
document means must not depend on which tool reads it, so this module parses with
libyaml (yaml.CSafeLoader, for speed) but gives every scalar go-yaml v3's meaning and
refuses what Kustomize refuses. The result is plain JSON-like data: dict (str keys),
list, str, int, float, bool, None; aliases are expanded into independent copies.

Kustomize's own steps show through, and are reproduced (each measured with kubectl):
the stream is split on lines starting with `---` before any parsing; keys keep their
raw text; a nested key that would read as a number, boolean, null or time is an error;
`<<` merges (and a quoted `"<<"` key vanishes); a missing value in a flow mapping is
"" rather than null; and values pass through go-yaml v3's encoder once more
(kyaml_quirks). Anchors may be redefined (composer).

Speed: the cyclic garbage collector is paused while a stream is read (gc_pause), and
the documents of a large stream are shared with a helper process (parallel), with the
serial path's results and errors.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from lamina.errors import SourceRef, YamlError
from lamina.yaml.composer import compose_first_document
from lamina.yaml.depth import call_with_depth
from lamina.yaml.empty_value import EmptyValueKey
from lamina.yaml.gc_pause import gc_paused
from lamina.yaml.kyaml_quirks import decode_binary, fold_like_kyaml, has_slash_escape
from lamina.yaml.scalars import RESOLVE_HINT, resolve_v3

_PLAIN_TAG = "tag:lamina,2024:plain"
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_STD = "tag:yaml.org,2002:"
_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_MappingNode = yaml.MappingNode

# kyaml splits a stream itself, before any YAML parsing: every line that starts with
# `---` ends a document, even inside a block scalar (byteio_reader.go splitDocuments).
_SEPARATOR = re.compile(r"\n---.*\n")

_NULL_KEYS = frozenset(("~", "null", "Null", "NULL"))
# First characters of plain keys that need a closer look: the merge key, and whatever
# go-yaml v3 could resolve to a non-string (numbers, booleans, nulls, timestamps).
_SPECIAL_KEY_START = frozenset("<+-.0123456789yYnNtTfFoO~") | {""}

# Alias expansion guard: a document may expand to at most this many nodes beyond ten
# times its distinct node count (a few KB of "billion laughs" would otherwise need GBs).
MAX_EXPANDED_NODES = 100_000


class _KyamlLoader(yaml.CSafeLoader):
    """libyaml parser whose resolver only marks plain scalars; values are built below."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            return _PLAIN_TAG if implicit[0] else _STR_TAG
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    # PyYAML's path-based resolvers are unused; skipping their bookkeeping on every
    # node makes loading noticeably faster. (`str.format` ignores its arguments: a C
    # call that does nothing, cheaper than a Python method that does nothing.)
    descend_resolver = "".format    # type: ignore[assignment]  # a C no-op (see above)
    ascend_resolver = "".format     # type: ignore[assignment]  # a C no-op (see above)


def load_all(text: str, path: str) -> list[Any]:
    """Parse every document of a manifest stream with Kustomize's rules.

    Empty documents, documents holding only comments and documents that are `null` are
    skipped, as kyaml's ByteReader skips them; every other document (mapping, list or
    scalar) is returned for the caller to judge.
    Raises YamlError (with file:line) for syntax errors, duplicate keys, `.inf`/`.nan`
    values, recursive aliases and documents that alias-expand beyond reason.
    """
    return [doc for doc, _line in load_all_with_lines(text, path)]


def load_all_with_lines(text: str, path: str) -> list[tuple[Any, int]]:
    """Like `load_all`, with the 1-based line where each document's content starts."""
    with gc_paused():
        return _load_all_with_lines(text, path)


def _load_all_with_lines(text: str, path: str) -> list[tuple[Any, int]]:
    text = text.replace("\r\n", "\n")
    chunks = _split_documents(text, path)
    if len(chunks) >= 2 and len(text) >= PARALLEL_MIN_CHARS:
        return _parse_chunks_in_two(chunks, path)
    return _parse_chunks(chunks, path)


def _parse_chunks(chunks: list[tuple[str, int]], path: str) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    for chunk, first_line in chunks:
        node = _parse_first_node(chunk, path, first_line)
        if node is None:
            continue
        builder = _Builder(path, first_line, chunk)
        if "*" in chunk and "&" in chunk:
            # (An alias without an anchor is already a composer error.)
            builder.check_aliases(node)
        if "?" in chunk and ("[" in chunk or "{" in chunk):
            builder.check_flow_plain_scalars(node)
        doc = builder.build(node)
        if doc is None:
            continue
        out.append((doc, first_line + node.start_mark.line + 1))
    return out


# A stream of at least this many characters, in two or more documents, is parsed by two
# processes when the machine has two CPUs to spare (see parallel.py), provided the
# documents other than the largest hold at least PARALLEL_MIN_PART characters. Below
# that, forking costs more than it saves.
PARALLEL_MIN_CHARS = 1 << 20
PARALLEL_MIN_PART = 1 << 18


def _parse_chunks_in_two(chunks: list[tuple[str, int]], path: str) -> list[tuple[Any, int]]:
    """`_parse_chunks(chunks)`, shared with a helper process (parallel.map_in_order).

    The helper sends its documents back as marshal data (pickle when they hold the
    reader's EmptyValueKey marks, which marshal refuses). Whatever it fails at, this
    process parses again, so errors are the serial ones.
    """
    from lamina.yaml import parallel

    sizes = [len(chunk) for chunk, _line in chunks]
    if sum(sizes) - max(sizes) < PARALLEL_MIN_PART or not parallel.usable():
        return _parse_chunks(chunks, path)
    parts = parallel.map_in_order(
        lambda chunk: _parse_chunks([chunk], path), chunks, _encode_docs, _decode_docs)
    return [doc for part in parts for doc in part]


def _encode_docs(parts: list[list[tuple[Any, int]]]) -> bytes:
    import marshal
    try:
        return b"m" + marshal.dumps(parts, 4)
    except ValueError:    # EmptyValueKey marks (a str subclass)
        import pickle
        return b"p" + pickle.dumps(parts, pickle.HIGHEST_PROTOCOL)


def _decode_docs(data: bytes) -> list[list[tuple[Any, int]]] | None:
    """The helper's documents (it is this process's own fork, so its pickles are trusted)."""
    body = memoryview(data)[1:]
    try:
        if data[:1] == b"m":
            import marshal
            parts = marshal.loads(body)
        elif data[:1] == b"p":
            import pickle
            parts = pickle.loads(body)
        else:
            return None
    except Exception:
        return None
    if not isinstance(parts, list) or not all(isinstance(part, list) for part in parts):
        return None
    return parts


def load(text: str, path: str) -> Any:
    """The single document in `text` (None when there is none); more than one is an error."""
    docs = load_all(text, path)
    if len(docs) > 1:
        raise YamlError("expected one YAML document, found several", SourceRef(path))
    return docs[0] if docs else None


def _split_documents(text: str, path: str) -> list[tuple[str, int]]:
    """Split as kyaml does; returns (chunk, number of lines before the chunk)."""
    chunks: list[tuple[str, int]] = []
    if not text:
        return chunks
    prev = 0
    line = 0
    for m in _SEPARATOR.finditer(text):
        rest = m.group()[4:].strip()
        sep_line = line + text.count("\n", prev, m.start()) + 2
        if rest and not rest.startswith("#"):
            raise YamlError(
                f"invalid document separator: {m.group().strip()} "
                "(only a comment may follow `---` on its line)",
                SourceRef(path, sep_line),
            )
        # kyaml appends the newline its split consumed to every chunk but the last.
        chunks.append((text[prev:m.start()] + "\n", line))
        line = sep_line
        prev = m.end()
    chunks.append((text[prev:], line))
    return chunks


def _parse_first_node(chunk: str, path: str, first_line: int):
    """The first YAML document of a chunk as a node graph (kyaml decodes only the first)."""
    try:
        return _compose(chunk, fast=True)
    except yaml.composer.ComposerError:
        # libyaml refuses a redefined anchor, which kyaml accepts; the slower composer
        # accepts it too, and reports any other composer error (an undefined alias) itself.
        pass
    except yaml.YAMLError as exc:
        _raise_yaml_error(exc, path, first_line)
    try:
        return _compose(chunk, fast=False)
    except yaml.YAMLError as exc:
        _raise_yaml_error(exc, path, first_line)


def _compose(chunk: str, fast: bool):
    """libyaml's composer, or (when it refused a redefined anchor) `compose_first_document`."""
    loader = _KyamlLoader(chunk)
    try:
        if not fast:
            return compose_first_document(loader)
        if not loader.check_node():
            return None
        return loader.get_node()
    finally:
        loader.dispose()


def _raise_yaml_error(exc: yaml.YAMLError, path: str, first_line: int):
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = SourceRef(path, first_line + mark.line + 1, mark.column + 1) if mark else SourceRef(path)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlError(f"invalid YAML: {problem}{context}", where) from None
    # Reader errors (bad characters) carry their position in the text only.
    raise YamlError(f"invalid YAML: {exc}", SourceRef(path)) from None


class _Builder:
    """Turns a node graph into data with go-yaml v3's meanings."""

    def __init__(self, path: str, first_line: int, chunk: str):
        self.path = path
        self.first_line = first_line
        self.chunk = chunk
        # Only a document that contains `\/` somewhere needs its escapes inspected.
        self.slash_escapes = "\\/" in chunk

    def raw(self, node) -> str:
        return self.chunk[node.start_mark.index:node.end_mark.index]

    def where(self, node) -> SourceRef:
        mark = node.start_mark
        return SourceRef(self.path, self.first_line + mark.line + 1, mark.column + 1)

    def check_aliases(self, root) -> None:
        """Refuse recursive aliases and alias bombs before anything is expanded."""
        sizes: dict[int, int] = {}
        open_nodes: set[int] = set()

        def size(node) -> int:
            key = id(node)
            known = sizes.get(key)
            if known is not None:
                return known
            if isinstance(node, yaml.ScalarNode):
                sizes[key] = 1
                return 1
            if key in open_nodes:
                raise YamlError("an alias refers to a node that contains it (recursive alias)",
                                self.where(node))
            open_nodes.add(key)
            if isinstance(node, yaml.MappingNode):
                total = 1 + sum(size(k) + size(v) for k, v in node.value)
            else:
                total = 1 + sum(size(item) for item in node.value)
            open_nodes.discard(key)
            sizes[key] = total
            return total

        try:
            expanded = call_with_depth(size, root)
        except RecursionError:
            raise YamlError("document is nested too deeply", self.where(root)) from None
        if expanded > MAX_EXPANDED_NODES + 10 * len(sizes):
            raise YamlError(
                f"aliases expand this document to {expanded} nodes from {len(sizes)} "
                "written ones; refusing it (an alias bomb?)",
                self.where(root),
            )

    def check_flow_plain_scalars(self, root) -> None:
        """Refuse what go-yaml v3 cannot parse but libyaml can: inside a flow collection
        go-yaml ends an unquoted scalar at `?` (as libyaml once did), so `[a?b]` or
        `{url: http://x/?q=1}` is a syntax error for Kustomize."""
        def walk(node, in_flow: bool) -> None:
            if node.__class__ is yaml.ScalarNode:
                if in_flow and node.tag == _PLAIN_TAG and "?" in node.value[1:]:
                    raise YamlError(
                        f"`?` inside the unquoted value {node.value!r} in a [...] or {{...}} "
                        "collection: Kustomize's parser stops there; quote the value",
                        self.where(node),
                    )
                return
            in_flow = in_flow or bool(node.flow_style)
            if node.__class__ is yaml.SequenceNode:
                for item in node.value:
                    walk(item, in_flow)
            else:
                for key, value in node.value:
                    walk(key, in_flow)
                    walk(value, in_flow)

        # Aliases make this a graph; a node shared by many places is checked each time,
        # which is fine because check_aliases has already bounded the expansion.
        call_with_depth(walk, root, False)

    def build(self, node) -> Any:
        try:
            return call_with_depth(self.build_root, node)
        except RecursionError:
            raise YamlError("document is nested too deeply", self.where(node)) from None

    def build_root(self, node) -> Any:
        if isinstance(node, yaml.MappingNode):
            # The top mapping is decoded into Go's map[string]interface{}, which
            # takes any key's text; nested mappings are stricter (see `mapping`).
            return self.mapping(node, nested=False)
        return self.value(node)

    def value(self, node) -> Any:
        cls = node.__class__
        if cls is _ScalarNode:
            text = node.value
            if text and text[0] not in RESOLVE_HINT and node.tag == _PLAIN_TAG:
                return text    # the common case: an unquoted word that is a string
            return self.scalar(node)
        if cls is _SequenceNode:
            return [self.value(item) for item in node.value]
        return self.mapping(node, nested=True)

    def scalar(self, node) -> Any:
        tag = node.tag
        if tag == _PLAIN_TAG:
            value = resolve_v3(node.value)
        elif tag == _STR_TAG or not tag.startswith(_STD):
            # Quoted scalars and local tags (`!foo`) keep their text, as kyaml does.
            if node.style == ">":
                return fold_like_kyaml(node.value)
            if node.style == '"' and self.slash_escapes and has_slash_escape(self.raw(node)):
                raise YamlError("unknown escape `\\/` in a double-quoted string "
                                "(Kustomize's YAML parser has no such escape); write `/`",
                                self.where(node))
            return node.value
        else:
            value = self.tagged(node, tag[len(_STD):])
        if value.__class__ is float and (math.isnan(value) or math.isinf(value)):
            raise YamlError(
                f"{node.value} is not a number Kustomize can write (json: unsupported value); "
                "quote it to keep it as a string",
                self.where(node),
            )
        return value

    def tagged(self, node, short: str) -> Any:
        """A scalar with an explicit standard tag such as `!!int "3"` or `!!str 3`."""
        text = node.value
        if short == "binary":
            decoded = decode_binary(text)
            if decoded is None:
                raise YamlError("!!binary value contains invalid base64 data", self.where(node))
            return decoded
        if short in ("str", "timestamp"):
            return resolve_v3(text) if short == "timestamp" else text
        resolved = resolve_v3(text)
        kinds: dict[str, type | tuple[type, ...]] = {
            "int": int, "float": (int, float), "bool": bool, "null": type(None)}
        expected = kinds.get(short)
        if expected is None:
            return text
        if isinstance(resolved, expected) and not (short != "bool" and isinstance(resolved, bool)):
            if short == "float" and isinstance(resolved, (int, float)):
                return float(resolved)
            return resolved
        raise YamlError(f"cannot decode `{text}` as a !!{short}", self.where(node))

    def mapping(self, node, nested: bool) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merge_node = None
        merge_key = None    # the `<<` key (merge or quoted), which `result` never holds
        flow = node.flow_style
        for key_node, value_node in node.value:
            if key_node.__class__ is not _ScalarNode:
                raise YamlError("a mapping key must be a scalar, not a list or mapping",
                                self.where(key_node))
            key = key_node.value
            if key in result:
                self.duplicate_key(node, key_node)
            if key[:1] in _SPECIAL_KEY_START and key_node.tag == _PLAIN_TAG:
                if key == "<<":
                    if merge_key is not None:
                        self.duplicate_key(node, key_node)
                    merge_key = key_node
                    merge_node = value_node
                    continue
                if not _is_string_key(key) if nested else key in _NULL_KEYS:
                    # Measured: a nested non-string key fails Go's JSON encoding, and a
                    # top-level null key trips Kustomize's duplicate-key check.
                    raise YamlError(
                        f"mapping key {key} is not a string, which Kustomize cannot "
                        "handle; quote it",
                        self.where(key_node),
                    )
            elif key == "<<":
                # kyaml merges the plain `<<` and then deletes every field named `<<`,
                # so a quoted "<<" key silently disappears as well.
                if merge_key is not None:
                    self.duplicate_key(node, key_node)
                merge_key = key_node
                continue
            cls = value_node.__class__
            if cls is _ScalarNode:
                text = value_node.value
                if text:
                    if text[0] not in RESOLVE_HINT and value_node.tag == _PLAIN_TAG:
                        result[key] = text    # the common case (see `value`)
                    else:
                        result[key] = self.scalar(value_node)
                    continue
                if flow and value_node.tag == _PLAIN_TAG:
                    # Measured: in a flow mapping (`{a: }`, `{a}`, `[a: ]`) a missing value
                    # comes out of Kustomize as "", not null as in block style.
                    result[key] = ""
                    continue
                value = self.scalar(value_node)
                if value is None:
                    key = EmptyValueKey(key)
                result[key] = value
            elif cls is _MappingNode:
                result[key] = self.mapping(value_node, nested=True)
            else:
                result[key] = self.value(value_node)
        if merge_node is not None:
            self.merge_into(result, merge_node)
        return result

    def duplicate_key(self, node, key_node) -> None:
        """Raise the duplicate-key error for `key_node`, naming its first occurrence."""
        key = key_node.value
        first = key_node
        for other, _value in node.value:
            if other.value == key:
                first = other
                break
        raise YamlError(f'mapping key "{key}" already defined at line {self.where(first).line}',
                        self.where(key_node))

    @staticmethod
    def is_string_key(key: str) -> bool:
        # go-yaml v3 decodes a nested mapping into map[string]interface{} only when every
        # plain key resolves to a string; otherwise the map has non-string keys that Go's
        # JSON encoder refuses. Timestamps count as non-strings (their text changes).
        resolved = resolve_v3(key)
        return isinstance(resolved, str) and resolved == key

    def merge_into(self, result: dict[str, Any], node) -> None:
        """`<<: *base` or `<<: [*a, *b]`: keys written here win, then earlier sources."""
        if isinstance(node, yaml.SequenceNode):
            sources = node.value
            for source in sources:
                if isinstance(source, yaml.SequenceNode):
                    raise YamlError("invalid map merge: received a nested sequence",
                                    self.where(source))
        else:
            sources = [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise YamlError("map merge requires map or sequence of maps as the value",
                                self.where(source))
        for source in sources:
            for key, value in self.mapping(source, nested=True).items():
                result.setdefault(key, value)


# Whether a plain nested key is a string to go-yaml v3 (see `_Builder.is_string_key`),
# remembered: the same few keys (`type`, `format`, `name`) come back thousands of times.
_STRING_KEYS: dict[str, bool] = {}


def _is_string_key(key: str) -> bool:
    known = _STRING_KEYS.get(key)
    if known is None:
        known = _Builder.is_string_key(key)
        if len(_STRING_KEYS) >= 1 << 14:
            _STRING_KEYS.clear()
        _STRING_KEYS[key] = known
    return known
