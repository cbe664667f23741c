"""A build tracer that follows one field of one resource through every build step.

The build calls `observe(resources, step, where)` after loading each file and after each
generator and transformer; the tracer records a step whenever the field's value on a
resource differs from what it last saw on that resource. With no tracer (the default) the
build pays nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from lamina.errors import LaminaError, SourceRef

MISSING = object()
_STEP = re.compile(r"\[(\d+)\]|\[([^=\]]+)=([^\]]*)\]|([^.\[\]]+)")


class ExplainError(LaminaError):
    """The resource or field to explain is not in the rendered output."""


def parse_field_path(text: str) -> list[Any]:
    """`spec.template.spec.containers[name=web].image` -> steps; `[0]` indexes a list."""
    steps: list[Any] = []
    pos = 0
    for m in _STEP.finditer(text):
        if m.start() != pos and text[pos:m.start()] != ".":
            raise ExplainError(f"cannot read field path '{text}'")
        pos = m.end()
        if m.group(1) is not None:
            steps.append(int(m.group(1)))
        elif m.group(2) is not None:
            steps.append((m.group(2), m.group(3)))
        else:
            steps.append(m.group(4))
    if not steps or pos != len(text):
        raise ExplainError(f"cannot read field path '{text}'")
    return steps


def lookup(obj: Any, steps: list[Any]) -> Any:
    node = obj
    for step in steps:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and step < len(node) else MISSING
        elif isinstance(step, tuple):
            key, value = step
            node = next((i for i in node if isinstance(i, dict) and str(i.get(key)) == value),
                        MISSING) if isinstance(node, list) else MISSING
        else:
            node = node.get(step, MISSING) if isinstance(node, dict) else MISSING
        if node is MISSING:
            return MISSING
    return node


@dataclass
class Event:
    step: str
    where: SourceRef | None
    value: Any
    resource: str


@dataclass
class FieldTracer:
    kind: str
    steps: list[Any]
    history: dict[int, list[Event]] = field(default_factory=dict)
    last: dict[int, Any] = field(default_factory=dict)
    keep: dict[int, Any] = field(default_factory=dict)     # keep observed objects alive

    def __call__(self, res: Any, path: tuple, value: Any, origin: Any) -> None:
        """Per-field reports from transformers; the step-level observe() already sees every
        change, so these are not needed to explain a field."""

    def observe(self, resources: Iterable[Any], step: str, where: SourceRef | None,
                files: tuple[tuple[str, str], ...] = ()) -> None:
        """`files` are (absolute path, display path) of patch files this step applied: when
        one of them holds the field, the event points at that line instead of `where`."""
        for res in resources:
            if res.kind != self.kind:
                continue
            key = id(res)
            value = lookup(res.obj, self.steps)
            if key in self.last and self.last[key] == value and \
                    type(self.last[key]) is type(value):
                continue
            self.keep[key] = res
            self.last[key] = value
            ident = f"{res.kind}/{res.name}"
            located = next((ref for path, display in files
                            for ref in [locate(path, display, self.steps)] if ref), None)
            self.history.setdefault(key, []).append(Event(step, located or where, value, ident))


def _pointer(steps: list[Any]) -> str | None:
    if any(isinstance(s, tuple) for s in steps):
        return None
    return "/" + "/".join(str(s).replace("~", "~0").replace("/", "~1") for s in steps)


def locate(path: str, display: str, steps: list[Any]) -> SourceRef | None:
    """The line of the field in a patch file: a strategic-merge patch holding the field, or
    a JSON 6902 operation on its path."""
    import yaml
    try:
        with open(path, encoding="utf-8") as fh:
            docs = list(yaml.compose_all(fh.read(), Loader=yaml.CSafeLoader))
    except (OSError, yaml.YAMLError):
        return None
    pointer = _pointer(steps)
    for doc in docs:
        if isinstance(doc, yaml.SequenceNode) and pointer:
            for op in doc.value:
                if isinstance(op, yaml.MappingNode):
                    fields = {k.value: v for k, v in op.value if isinstance(k, yaml.ScalarNode)}
                    p = fields.get("path")
                    if isinstance(p, yaml.ScalarNode) and p.value == pointer:
                        return SourceRef(display, op.start_mark.line + 1)
            continue
        node = doc
        for step in steps:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, tuple):
                node = next((i for i in node.value if isinstance(i, yaml.MappingNode) and any(
                    getattr(k, "value", None) == step[0] and getattr(v, "value", None) == step[1]
                    for k, v in i.value)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                node = node.value[step] if step < len(node.value) else None
            else:
                node = None
            if node is None:
                break
        if node is not None:
            return SourceRef(display, node.start_mark.line + 1)
    return None
