"""Fields of rendered templates whose value a values file set: the link from a finding's
field to the values line behind it (see positions.py for the lookup, templates/value_lines.py
for which template lines qualify).

The render engine renders several environments in one process, and a base's template once
per environment: `rendering_scope(key)` around one target's build and checks keeps each
target's renderings apart, so a finding never reads another environment's values. Outside
any scope (one build: `lamina build`, `explain`) the latest rendering is the build's own.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import yaml

from lamina.errors import SourceRef

# positions.py imports this module: its types are spelled out here, not imported.
FieldPath = tuple[Any, ...]

UNSET: Any = object()
_LOCK = threading.Lock()
_MAX_SCOPED = 4096
# (scope, absolute path) -> RenderedText
_SCOPED: "OrderedDict[tuple[Any, str], Any]" = OrderedDict()
# (scope, path as asked) -> RenderedText: own_rendering's answers
_ASKED: dict[tuple[Any, str], Any] = {}
_SCOPE: contextvars.ContextVar[Any] = contextvars.ContextVar("lamina_rendering_scope", default=None)


@dataclass(frozen=True)
class ValueSource(SourceRef):
    """Where a values file (or `--set`) set a field's value: that line, the values key
    (`key`), and the template line the value reached the resource through (`via`). Printed
    as its own place; messages add `(via template:line)`."""

    via: SourceRef | None = None
    key: str = ""

    def under(self, base: str, root: str = "") -> "ValueSource":
        moved = super().under(base, root)
        via = self.via.under(base, root) if self.via is not None else None
        return ValueSource(moved.path, moved.line, moved.column, via, self.key)


@contextlib.contextmanager
def rendering_scope(key: Any) -> Iterator[None]:
    """Templates rendered inside, and fields looked up inside, belong to `key` (one target
    of a render): a lookup never follows another target's values."""
    token = _SCOPE.set(key)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def remember_scoped(real: str, rendered: Any) -> None:
    """Keep `rendered` (the template at absolute path `real`) for the current scope."""
    scope = _SCOPE.get()
    if scope is None:
        return
    with _LOCK:
        _ASKED.clear()
        _SCOPED[(scope, real)] = rendered
        _SCOPED.move_to_end((scope, real))
        while len(_SCOPED) > _MAX_SCOPED:
            _SCOPED.popitem(last=False)


def own_rendering(path: str, latest: Callable[[str], Any]) -> Any:
    """The rendering of the template at `path` made in the current scope; outside any scope,
    `latest(path)` (one build's own). None when it is not kept."""
    scope = _SCOPE.get()
    if scope is None:
        return latest(path)
    # Every finding on a template asks: resolve each path once per scope (realpath costs
    # system calls). A rendering made since clears the answers.
    with _LOCK:
        found = _ASKED.get((scope, path))
    if found is None:
        real = os.path.realpath(path)
        with _LOCK:
            found = _SCOPED.get((scope, real))
            if found is not None:
                if len(_ASKED) > _MAX_SCOPED:
                    _ASKED.clear()
                _ASKED[(scope, path)] = found
    return found

def through_values(rendered: Any, docs: list[Any], doc_line: int | None, path: FieldPath,
                   here: SourceRef, root: str, data: Any) -> ValueSource | None:
    """The values line behind field `path` of a rendered template, `via` its template line
    `here`; None unless that line wrote the field as one values leaf (value_lines.py), and
    the built value (`data`, when given) is still that leaf's."""
    link = getattr(rendered, "value_source", None)
    if link is None:
        return None
    doc = next((d for d in docs if d.line == doc_line), None) if doc_line is not None else \
        (docs[0] if len(docs) == 1 else None)
    node = _value_node(doc.node, path) if doc is not None else None
    if not isinstance(node, yaml.ScalarNode):
        return None
    line = rendered.template_line(doc.offset + node.start_mark.line + 1)   # type: ignore[union-attr]
    if data is not None:
        built = _lookup(data, path)
        if built is UNSET or not _written_as(built, node):
            return None
    hit = link(line, path, node.value)
    if hit is None:
        return None
    key, origin = hit
    origin = origin.under("", root or os.getcwd())
    via = here if line == here.line else SourceRef(here.path, line)
    return ValueSource(origin.path, origin.line, origin.column, via, key)


def _value_node(node: Any, path: FieldPath) -> Any:
    """The value node at the end of `path` (None when the document does not write it all)."""
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value
                         if isinstance(k, yaml.ScalarNode) and k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if 0 <= step < len(node.value) else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, tuple):
            node = next((i for i in node.value if isinstance(i, yaml.MappingNode) and any(
                isinstance(k, yaml.ScalarNode) and k.value == step[0] and
                isinstance(v, yaml.ScalarNode) and v.value == step[1] for k, v in i.value)), None)
        else:
            return None
    return node


def _lookup(data: Any, path: FieldPath) -> Any:
    node = data
    for step in path:
        if isinstance(step, tuple):
            node = next((i for i in node if isinstance(i, dict) and str(i.get(step[0])) == step[1]),
                        UNSET) if isinstance(node, list) else UNSET
        elif isinstance(step, int):
            node = node[step] if isinstance(node, list) and 0 <= step < len(node) else UNSET
        else:
            node = node.get(step, UNSET) if isinstance(node, dict) else UNSET
        if node is UNSET:
            return UNSET
    return node


def _written_as(value: Any, node: yaml.ScalarNode) -> bool:
    """Whether the built `value` is still what the rendered scalar `node` says."""
    if isinstance(value, bool):
        return node.value.lower() == ("true" if value else "false")
    if value is None:
        return node.value in ("", "~", "null", "Null", "NULL")
    if isinstance(value, (int, float)):
        try:
            return float(node.value) == float(value)
        except ValueError:
            return False
    return isinstance(value, str) and node.value == value
