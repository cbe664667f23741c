"""Checks on a composed YAML node graph, made before anything is expanded or constructed.

Composing shares aliased nodes, so these walks cost the size of the text, while expanding
an alias bomb would cost its full size. Used for values files and for rendered templates.
"""

from __future__ import annotations

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class NestingTooDeep(Exception):
    """Raised by expanded_size at the node that is nested too deeply."""

    def __init__(self, node: yaml.Node):
        super().__init__("nested too deeply")
        self.node = node


def expanded_size(node: yaml.Node, max_depth: int, memo: dict[int, int] | None = None, depth: int = 0) -> int:
    """How many nodes the document has once aliases are expanded, each distinct node
    counted once per reference; raises NestingTooDeep below ``max_depth`` levels."""
    memo = {} if memo is None else memo
    known = memo.get(id(node))
    if known is not None:
        return known
    if depth > max_depth:
        raise NestingTooDeep(node)
    memo[id(node)] = 1  # a recursive alias counts once rather than looping
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(expanded_size(item, max_depth, memo, depth + 1) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(expanded_size(k, max_depth, memo, depth + 1) + expanded_size(v, max_depth, memo, depth + 1)
                    for k, v in node.value)
    memo[id(node)] = size
    return size


def find_duplicate_key(node: yaml.Node, seen: set[int] | None = None) -> tuple[yaml.Node, yaml.Node] | None:
    """The first pair (first key, repeated key) of equal scalar keys in one mapping, if any."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: dict[tuple[str, str], yaml.Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                first = keys.setdefault((key.tag, key.value), key)
                if first is not key:
                    return first, key
            found = find_duplicate_key(value, seen)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = find_duplicate_key(item, seen)
            if found:
                return found
    return None
