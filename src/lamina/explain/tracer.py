"""A build tracer that follows one field of one resource through every build step.

The build calls `observe(resources, step, where)` after loading each file and after each
generator and transformer; the tracer records a step whenever the field's value on a
resource differs from what it last saw on that resource. With no tracer (the default) the
build pays nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from lamina.errors import LaminaError, SourceRef
from lamina.model.objref import ObjectRef
from lamina.yaml.patch_positions import json_pointer

MISSING = object()


class ExplainError(LaminaError):
    """The resource or field to explain is not in the rendered output."""


def parse_field_path(text: str) -> list[Any]:
    """`spec.template.spec.containers[name=web].image` -> steps; `[0]` indexes a list;
    `data['app.conf']` names a key holding dots (as `lamina diff` prints it). The one
    reader of field paths is yaml/positions.py's."""
    from lamina.yaml.positions import parse_field_path as parse
    steps = parse(text)
    if steps is None:
        raise ExplainError(f"cannot read field path '{text}': write it as lamina diff prints it, "
                           "e.g. spec.template.spec.containers[name=web].image or data['app.conf']")
    return list(steps)


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


@dataclass(frozen=True)
class Event:
    """One build step that changed the field: the step, where (file:line), the value after
    it, and the resource (Kind/name)."""

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
    root: str | None = None    # the built kustomization's folder: inline patches are read there

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
            ident = ObjectRef(kind=res.kind, name=res.name).kind_name()
            names = {res.name, *(getattr(p, "name", None) for p in getattr(res, "previous_ids", ()) or ())}
            pointer = json_pointer(concrete(res.obj, self.steps))
            located = self._changed(res) if step.startswith(("Patch", "Replacement")) else None
            located = located or next((ref for path, display in files
                            for ref in [locate(path, display, self.steps, pointer, names)] if ref), None)
            if located is None and not files and step.startswith("Patch"):
                located = self._inline(where, pointer, names)
            if located is None and step.startswith(("ConfigMapGenerator", "SecretGenerator")):
                located = self._generated(where)
            if located is None and step == "declared" and where is not None:
                # The field's own line in the file (or rendered template) that declares it.
                from lamina.yaml.positions import field_source
                located = field_source(where, tuple(self.steps), self.root or "")
            self.history.setdefault(key, []).append(Event(step, located or where, value, ident))

    def _changed(self, res: Any) -> SourceRef | None:
        """The line of the patch or replacement that set the field, as check findings name
        it (yaml/patch_positions.py: inline patches, JSON `value:` lines, replacements)."""
        from lamina.yaml.patch_positions import PatchedSource, overriding
        source = getattr(getattr(res, "origin", None), "source", None)
        if not isinstance(source, PatchedSource) or not source.patches:
            return None
        hit = overriding(source, tuple(self.steps), self.root or "", res.obj)
        return hit[0] if hit is not None and hit[1] == len(self.steps) else None

    def _entry(self, where: SourceRef | None) -> Any:
        """The kustomization list item at `where` (a YAML node), or None."""
        import os
        import yaml
        if where is None or not where.line or self.root is None:
            return None
        try:
            with open(os.path.join(self.root, where.path), encoding="utf-8") as fh:
                top = yaml.compose(fh.read(), Loader=yaml.CSafeLoader)
        except (OSError, yaml.YAMLError):
            return None
        if not isinstance(top, yaml.MappingNode):
            return None
        for _k, seq in top.value:
            if isinstance(seq, yaml.SequenceNode):
                for item in seq.value:
                    if item.start_mark.line == where.line - 1:
                        return item
        return None

    def _generated(self, where: SourceRef | None) -> SourceRef | None:
        """The literal, env-file line or files entry of a generator that made `data.KEY`."""
        import os
        import yaml
        if len(self.steps) != 2 or self.steps[0] not in ("data", "binaryData", "stringData") \
                or not isinstance(self.steps[1], str) or where is None or self.root is None:
            return None
        key = self.steps[1]
        entry = self._entry(where)
        if not isinstance(entry, yaml.MappingNode):
            return None
        fields = {k.value: v for k, v in entry.value if isinstance(k, yaml.ScalarNode)}
        folder = os.path.dirname(where.path)

        def items(name: str) -> list[Any]:
            node = fields.get(name)
            return [i for i in node.value if isinstance(i, yaml.ScalarNode)] \
                if isinstance(node, yaml.SequenceNode) else []
        for item in items("literals"):
            if item.value.partition("=")[0].strip() == key:
                return SourceRef(where.path, item.start_mark.line + 1)
        for item in items("files"):
            name, sep, path = item.value.partition("=")
            if (name.strip() if sep else os.path.basename(item.value)) == key:
                return SourceRef(where.path, item.start_mark.line + 1)
        envs = items("envs") + ([fields["env"]] if isinstance(fields.get("env"), yaml.ScalarNode) else [])
        for item in envs:
            display = os.path.normpath(os.path.join(folder, item.value))
            try:
                with open(os.path.join(self.root, display), encoding="utf-8") as fh:
                    for n, line in enumerate(fh, 1):
                        if line.strip().partition("=")[0].strip() == key:
                            return SourceRef(display, n)
            except OSError:
                continue
        return None

    def _inline(self, where: SourceRef | None, pointer: str | None, names: set) -> SourceRef | None:
        """The line inside an inline patch (`patch: |-` in a kustomization) that sets the field."""
        import yaml
        item = self._entry(where)
        if item is None or where is None:
            return None
        text = item
        if isinstance(item, yaml.MappingNode):
            text = next((v for k, v in item.value if getattr(k, "value", None) == "patch"), None)
        if isinstance(text, yaml.ScalarNode) and isinstance(text.value, str) and "\n" in text.value:
            offset = text.start_mark.line + (1 if text.style in ("|", ">") else 0)
            return locate_text(text.value, where.path, self.steps, pointer, names, offset)
        return None


def concrete(obj: Any, steps: list[Any]) -> list[Any]:
    """`[name=web]` steps replaced by the item's index in `obj`, as JSON patches address it."""
    out: list[Any] = []
    node = obj
    for step in steps:
        if isinstance(step, tuple):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict)
                          and str(item.get(step[0])) == step[1]), None) if isinstance(node, list) else None
            if index is None:
                return steps
            out.append(index)
            node = node[index]
        else:
            out.append(step)
            node = lookup(node, [step])
            if node is MISSING:
                out.extend(steps[len(out):])
                return out
    return out


def locate(path: str, display: str, steps: list[Any], pointer: str | None = None,
           names: set | frozenset = frozenset()) -> SourceRef | None:
    """The line of the field in a patch file: a strategic-merge patch holding the field (the
    document for this resource when the file patches several), or the last JSON 6902
    operation on its path or on a parent of it."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return None
    return locate_text(text, display, steps, pointer, names)


def _doc_name(doc: Any) -> str | None:
    import yaml
    if not isinstance(doc, yaml.MappingNode):
        return None
    md = next((v for k, v in doc.value if getattr(k, "value", None) == "metadata"), None)
    if isinstance(md, yaml.MappingNode):
        return next((v.value for k, v in md.value if getattr(k, "value", None) == "name"
                     and isinstance(v, yaml.ScalarNode)), None)
    return None


def locate_text(text: str, display: str, steps: list[Any], pointer: str | None = None,
                names: set | frozenset = frozenset(), offset: int = 0) -> SourceRef | None:
    import yaml
    try:
        docs = [d for d in yaml.compose_all(text, Loader=yaml.CSafeLoader) if d is not None]
    except yaml.YAMLError:
        return None
    pointer = pointer or json_pointer(steps)
    if names:   # a patch document for this resource first
        docs.sort(key=lambda d: _doc_name(d) not in names)
    for doc in docs:
        if isinstance(doc, yaml.SequenceNode):
            if not pointer:
                continue
            hit = None
            for op in doc.value:
                if isinstance(op, yaml.MappingNode):
                    fields = {k.value: v for k, v in op.value if isinstance(k, yaml.ScalarNode)}
                    p = fields.get("path")
                    if isinstance(p, yaml.ScalarNode) and (p.value == pointer or
                                                           pointer.startswith(p.value.rstrip("/") + "/")):
                        hit = SourceRef(display, offset + op.start_mark.line + 1)
            if hit is not None:
                return hit
            continue
        node: Any = doc
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
            return SourceRef(display, offset + node.start_mark.line + 1)
    return None
