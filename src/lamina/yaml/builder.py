"""A document's node graph turned into data with go-yaml v3's meanings, as kyaml reads it.

Keys keep their raw text; a nested key that would read as a number, boolean, null or time
is an error; `<<` merges (and a quoted `"<<"` key vanishes); a missing value in a flow
mapping is "" rather than null; duplicate keys, `.inf`/`.nan` values, recursive aliases and
alias bombs are refused. Aliases are expanded into independent copies.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from lamina.errors import SourceRef, YamlError
from lamina.yaml.depth import call_with_depth
from lamina.yaml.empty_value import EmptyValueKey
from lamina.yaml.kyaml_quirks import decode_binary, fold_like_kyaml, has_slash_escape
from lamina.yaml.nodes import PLAIN_TAG as _PLAIN_TAG
from lamina.yaml.nodes import STR_TAG as _STR_TAG
from lamina.yaml.scalars import RESOLVE_HINT, resolve_v3

_STD = "tag:yaml.org,2002:"
_ScalarNode = ScalarNode
_SequenceNode = SequenceNode
_MappingNode = MappingNode

_NULL_KEYS = frozenset(("~", "null", "Null", "NULL"))
# First characters of plain keys that need a closer look: the merge key, and whatever
# go-yaml v3 could resolve to a non-string (numbers, booleans, nulls, timestamps).
_SPECIAL_KEY_START = frozenset("<+-.0123456789yYnNtTfFoO~") | {""}

# Alias expansion guard: a document may expand to at most this many nodes beyond ten
# times its distinct node count (a few KB of "billion laughs" would otherwise need GBs).
MAX_EXPANDED_NODES = 100_000


class DocumentBuilder:
    """Turns a node graph into data with go-yaml v3's meanings."""

    def __init__(self, path: str, first_line: int, chunk: str):
        self.path = path
        self.first_line = first_line
        self.chunk = chunk
        # Only a document that contains `\/` somewhere needs its escapes inspected.
        self.slash_escapes = "\\/" in chunk

    def raw(self, node: Node) -> str:
        return self.chunk[node.start_mark.index:node.end_mark.index]

    def where(self, node: Node) -> SourceRef:
        mark = node.start_mark
        return SourceRef(self.path, self.first_line + mark.line + 1, mark.column + 1)

    def check_aliases(self, root: Node) -> None:
        """Refuse recursive aliases and alias bombs before anything is expanded."""
        sizes: dict[int, int] = {}
        open_nodes: set[int] = set()

        def size(node: Node) -> int:
            key = id(node)
            known = sizes.get(key)
            if known is not None:
                return known
            if isinstance(node, ScalarNode):
                sizes[key] = 1
                return 1
            if key in open_nodes:
                raise YamlError("an alias refers to a node that contains it (recursive alias)",
                                self.where(node))
            open_nodes.add(key)
            if isinstance(node, MappingNode):
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

    def check_flow_plain_scalars(self, root: Node) -> None:
        """Refuse what go-yaml v3 cannot parse but libyaml can: inside a flow collection
        go-yaml ends an unquoted scalar at `?` (as libyaml once did), so `[a?b]` or
        `{url: http://x/?q=1}` is a syntax error for Kustomize."""
        def walk(node: Node, in_flow: bool) -> None:
            if not isinstance(node, CollectionNode):
                if in_flow and node.tag == _PLAIN_TAG and "?" in node.value[1:]:
                    raise YamlError(
                        f"`?` inside the unquoted value {node.value!r} in a [...] or {{...}} "
                        "collection: Kustomize's parser stops there; quote the value",
                        self.where(node),
                    )
                return
            in_flow = in_flow or bool(node.flow_style)
            if node.__class__ is SequenceNode:
                for item in node.value:
                    walk(item, in_flow)
            else:
                for key, value in node.value:
                    walk(key, in_flow)
                    walk(value, in_flow)

        # Aliases make this a graph; a node shared by many places is checked each time,
        # which is fine because check_aliases has already bounded the expansion.
        call_with_depth(walk, root, False)

    def build(self, node: Node) -> Any:
        try:
            return call_with_depth(self.build_root, node)
        except RecursionError:
            raise YamlError("document is nested too deeply", self.where(node)) from None

    def build_root(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            # The top mapping is decoded into Go's map[string]interface{}, which
            # takes any key's text; nested mappings are stricter (see `mapping`).
            return self.mapping(node, nested=False)
        return self.value(node)

    def value(self, node: Node) -> Any:
        if node.__class__ is _ScalarNode:
            text = node.value
            if text and text[0] not in RESOLVE_HINT and node.tag == _PLAIN_TAG:
                return text    # the common case: an unquoted word that is a string
            return self.scalar(node)
        if node.__class__ is _SequenceNode:
            return [self.value(item) for item in node.value]
        # The composer makes no other kind of node; an exact-class test is quicker than
        # isinstance here, but mypy narrows only the positive branches.
        return self.mapping(node, nested=True)  # type: ignore[arg-type]

    def scalar(self, node: ScalarNode) -> Any:
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

    def tagged(self, node: ScalarNode, short: str) -> Any:
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

    def mapping(self, node: MappingNode, nested: bool) -> dict[str, Any]:
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

    def duplicate_key(self, node: MappingNode, key_node: Node) -> NoReturn:
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

    def merge_into(self, result: dict[str, Any], node: Node) -> None:
        """`<<: *base` or `<<: [*a, *b]`: keys written here win, then earlier sources."""
        if isinstance(node, SequenceNode):
            sources = node.value
            for source in sources:
                if isinstance(source, SequenceNode):
                    raise YamlError("invalid map merge: received a nested sequence",
                                    self.where(source))
        else:
            sources = [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise YamlError("map merge requires map or sequence of maps as the value",
                                self.where(source))
        for source in sources:
            for key, value in self.mapping(source, nested=True).items():
                result.setdefault(key, value)


# Whether a plain nested key is a string to go-yaml v3 (see `DocumentBuilder.is_string_key`),
# remembered: the same few keys (`type`, `format`, `name`) come back thousands of times.
_STRING_KEYS: dict[str, bool] = {}


def _is_string_key(key: str) -> bool:
    known = _STRING_KEYS.get(key)
    if known is None:
        known = DocumentBuilder.is_string_key(key)
        if len(_STRING_KEYS) >= 1 << 14:
            _STRING_KEYS.clear()
        _STRING_KEYS[key] = known
    return known
