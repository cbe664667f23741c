"""Building a node graph from parser events, for documents libyaml's composer refuses.

libyaml (and so PyYAML's C loader) rejects a document that defines the same anchor
twice. YAML 1.2 and go-yaml allow it: an alias refers to the latest definition before
it. Such documents are rare, so the reader composes with libyaml as usual and only
falls back to this slower composer when libyaml complains about a duplicate anchor.
"""

from __future__ import annotations

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode


def compose_first_document(loader):
    """The first document's node graph from `loader`'s events, or None for an empty stream.

    `loader` must not have composed anything yet; its `resolve` gives the tags, exactly as
    when libyaml composes.
    """
    while loader.check_event(StreamStartEvent, DocumentStartEvent):
        loader.get_event()
    if not loader.check_event(AliasEvent, ScalarEvent, SequenceStartEvent, MappingStartEvent):
        return None
    return _Composer(loader).node()


class _Composer:
    def __init__(self, loader):
        self.loader = loader
        self.anchors: dict[str, object] = {}

    def node(self):
        event = self.loader.get_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is None:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            return target
        if isinstance(event, ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            self.remember(event, node)
            return node
        if isinstance(event, SequenceStartEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.loader.resolve(SequenceNode, None, event.implicit)
            node = SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
            self.remember(event, node)
            while not self.loader.check_event(SequenceEndEvent):
                node.value.append(self.node())
            node.end_mark = self.loader.get_event().end_mark
            return node
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(MappingNode, None, event.implicit)
        node = MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
        self.remember(event, node)
        while not self.loader.check_event(MappingEndEvent):
            key = self.node()
            node.value.append((key, self.node()))
        node.end_mark = self.loader.get_event().end_mark
        return node

    def remember(self, event, node) -> None:
        if event.anchor is not None:
            self.anchors[event.anchor] = node  # a later definition replaces an earlier one
