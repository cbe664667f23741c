"""ReplacementTransformer: copy one field's value into fields of other resources.

Follows Kustomize's api/filters/replacement. Each replacement reads a value from exactly
one source resource (or takes a literal `sourceValue`), optionally cuts it with a
delimiter, then writes it into every selected target at each of the target's field paths.
Replacements run in order, so a later one sees what an earlier one wrote.

Writing keeps kyaml's typing: a scalar target keeps its own type and only takes the new
text (so `replicas: 1` receiving "3" stays an integer, and a string keeps the text even
when it looks like a number); a map or list target, or a created field, takes the source
node itself. A created scalar has no type of its own, so its text is read as plain YAML.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import Any, Callable

from lamina.errors import KustomizationError, LaminaError, ResourceError, SourceRef
from lamina.model.resid import ResId
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import fieldpath
from lamina.transformers.base import PluginContext
from lamina.transformers.replacements_config import (
    FieldOptions, Replacement, SourceSelector, TargetSelector, load_replacements,
    refuse_unknown_fields)
from lamina.transformers.replacements_structured import parse_embedded, set_in_structured_data
from lamina.yaml.patch_positions import note_replacement, written_at

DEFAULT_FIELD_PATH = "metadata.name"


@dataclass(frozen=True)
class _Value:
    """A source value as kyaml holds it: scalar text plus type tag ('' when untyped), or a
    whole map or list in `data`."""

    scalar: bool
    text: str
    tag: str
    data: Any = None

    @classmethod
    def of(cls, value: Any) -> "_Value":
        if fieldpath.is_scalar(value):
            return cls(True, fieldpath.scalar_text(value), _tag(value), value)
        return cls(False, "", "", value)

    def with_text(self, text: str) -> "_Value":
        return _Value(self.scalar, text, self.tag, None)

    def materialize(self) -> Any:
        """The Python value a copy of this node becomes in the output."""
        if not self.scalar:
            return copy.deepcopy(self.data)
        if self.data is not None and fieldpath.scalar_text(self.data) == self.text:
            return self.data
        if not self.tag:
            return fieldpath.resolve_plain(self.text)
        return _decode(self.tag, self.text)


_tag = fieldpath.short_tag


def _decode(tag: str, text: str) -> Any:
    try:
        return fieldpath.decode(tag, text)
    except fieldpath.FieldPathError as e:
        raise ResourceError(e.message) from None


def _set_scalar_text(target: Any, text: str) -> Any:
    """A scalar target keeps its type (or its lack of one) and takes the new text.

    Text its type cannot hold (an integer field given "abc") is kept as a tagged Scalar:
    Kustomize only fails when it writes the object, so a later replacement may still
    overwrite it."""
    if isinstance(target, fieldpath.Scalar):
        return target.with_text(text)
    tag = _tag(target)
    try:
        return fieldpath.decode(tag, text)
    except fieldpath.FieldPathError:
        return fieldpath.Scalar(text, tag)


@dataclass(frozen=True)
class Spot:
    """A replacement target, for the unmatched-patch check: its label as the finding names
    it, the file that holds it (absolute; "" when not known) and its node path there."""

    label: str
    path: str
    at: tuple[str | int, ...]


# What to fix when a replacement fails, by the part that failed (Kustomize's text first).
_SOURCE_REMEDY = "fix the replacement's source so that it selects exactly one resource holding its fieldPath"
_TARGET_REMEDY = "fix the fieldPath so that it names a field the selected resources have"


class ReplacementTransformer:
    def __init__(self, replacements: tuple[Replacement, ...], where: str = "", root: str = ""):
        self.replacements = replacements
        self.where = where      # the kustomization, as displayed ("" when not known)
        self.root = root        # the folder displayed paths are relative to
        # (target, resources it selected) per target, for unmatched-patch.
        self.observed: list[tuple[Spot, list[Resource]]] = []

    def transform(self, resmap: ResMap) -> None:
        resources = resmap.resources()
        touched: dict[int, Resource] = {}
        r: Replacement | None = None
        part: tuple[str | int, ...] = ("source",)
        try:
            for i, r in enumerate(self.replacements):
                part = ("source",)
                value = _source_value(resources, r)
                for j, target in enumerate(r.targets):
                    part = ("targets", j)
                    found = _apply_target(resources, value, target, touched)
                    self.observed.append((self._spot(i, r, j), found))
                    self._note(r, j, target, found)
        except LaminaError as e:
            source = e.source or (SourceRef(self.where) if self.where else None)
            placed = self._place(r, part) if source is None or source.line is None else None
            if placed is not None:
                remedy = _SOURCE_REMEDY if part[0] == "source" else _TARGET_REMEDY
                raise type(e)(f"{e.message}\n  {remedy}", placed) from None
            raise type(e)(e.message, source) from None
        finally:
            # Created (untagged) scalars become plain values once all replacements ran.
            for res in touched.values():
                try:
                    fieldpath.finalize(res.obj)
                except fieldpath.FieldPathError as e:
                    raise ResourceError(f"{e.message} (in {res.cur_id})",
                                        SourceRef(self.where) if self.where else None) from None

    def _file(self, r: Replacement) -> str:
        """The file that holds `r`, as displayed ("" when not known)."""
        return (r.file or self.where) if r.entry is not None else ""

    def _place(self, r: Replacement | None, part: tuple[str | int, ...]) -> SourceRef | None:
        """file:line:column of `part` (its source, or a target) of replacement `r`."""
        shown = self._file(r) if r is not None else ""
        if r is None or not shown:
            return None
        found = written_at(shown, os.path.join(self.root, shown), r.at + part)
        return found if found.line is not None else None

    def _spot(self, i: int, r: Replacement, j: int) -> Spot:
        shown = self._file(r)
        if not shown:
            return Spot(f"replacements[{i}].targets[{j}]", "", ())
        inner = "".join(f"[{k}]" for k in r.at if isinstance(k, int)) if r.file else ""
        return Spot(f"replacements[{r.entry}]{inner}.targets[{j}]",
                    os.path.realpath(os.path.join(self.root, shown)), r.at + ("targets", j))

    def _note(self, r: Replacement, j: int, target: TargetSelector, found: list[Resource]) -> None:
        """Each written field is named at this target's `fieldPaths` item in the file that
        holds the replacement (yaml/replacement_positions.py)."""
        if r.entry is None or not found or not (r.file or self.where):
            return
        at = r.at + ("targets", j)
        paths = [(fp, at + ("fieldPaths", k)) for k, fp in enumerate(target.field_paths)] \
            or [(DEFAULT_FIELD_PATH, at + ("select",))]
        for res in found:
            for fp, where in paths:
                note_replacement(res, r.file or self.where, tuple(fieldpath.split(fp)), where)


def _source_value(resources: list[Resource], r: Replacement) -> _Value:
    if r.source_value is not None:
        return _Value(True, r.source_value, "", None)
    assert r.source is not None
    node = _select_source(resources, r.source)
    path = r.source.field_path or DEFAULT_FIELD_PATH
    try:
        found = fieldpath.lookup(node.obj, fieldpath.split(path))
    except fieldpath.FieldPathError as e:
        raise ResourceError(f"error looking up replacement source: {e.message}") from None
    if found is fieldpath.MISSING or found is None or found == {} or found == []:
        raise ResourceError(
            f"fieldPath `{path}` is missing for replacement source {r.source.res_id_str()}")
    value = _Value.of(found)
    return _refine(r.source.options, value)


def _select_source(resources: list[Resource], sel: SourceSelector) -> Resource:
    matches: list[Resource] = []
    for res in resources:
        if any(rid.is_selected_by(sel.res_id) for rid in _ids(res)):
            if matches:
                raise ResourceError(f"multiple matches for selector {sel}")
            matches.append(res)
    if not matches:
        raise ResourceError(f"nothing selected by {sel}")
    return matches[0]


def _ids(res: Resource) -> list[ResId]:
    """Current id first, then earlier ones, as kyaml's MakeResIds lists them. Kustomize
    records an earlier id with its effective namespace ('default' for none), which a
    target's namespace regex can see."""
    return [res.cur_id, *(ResId(p.gvk, p.name, p.effective_namespace) for p in res.previous_ids)]


def _refine(options: FieldOptions | None, value: _Value) -> _Value:
    if options is None or not options.delimiter:
        return value
    if not value.scalar:
        raise ResourceError("delimiter option can only be used with scalar nodes")
    pieces = value.text.split(options.delimiter)
    if options.index >= len(pieces) or options.index < 0:
        raise ResourceError(
            f"options.index {options.index} is out of bounds for value {value.text}")
    return value.with_text(pieces[options.index])


def _apply_target(resources: list[Resource], value: _Value, target: TargetSelector,
                  touched: dict[int, Resource]) -> list[Resource]:
    """Write the value into every resource the target selects; those resources."""
    paths = target.field_paths or (DEFAULT_FIELD_PATH,)
    found = []
    for res in resources:
        if not target.selects(res, _ids(res)):
            continue
        found.append(res)
        touched[id(res)] = res
        for fp in paths:
            try:
                _copy_to(res, value, fp, target.options)
            except fieldpath.FieldPathError as e:
                raise ResourceError(f"{e.message} (target {res.cur_id})") from None
    return found


def _copy_to(res: Resource, value: _Value, fp: str, options: FieldOptions | None) -> None:
    create = options is not None and options.create
    create_kind = None
    if create:
        create_kind = fieldpath.SCALAR if value.scalar else fieldpath.kind_of(value.data)
    parts = fieldpath.split(fp)
    # Inside an embedded document Kustomize copies the value as is (no delimiter handling).
    if set_in_structured_data(res.obj, parts, create_kind, _setter(value, None)):
        return
    setter = _setter(value, options)
    what = "find or create" if create else "find"
    try:
        slots = fieldpath.match(res.obj, parts, create_kind, parse_embedded)
    except LaminaError as e:
        raise ResourceError(
            f"unable to {what} field \"{fp}\" in replacement target: {e.message}") from None
    if not slots:
        raise ResourceError(f"unable to {what} field \"{fp}\" in replacement target")
    for container, key in slots:
        if container is None:
            raise ResourceError(f"cannot replace the whole object at field \"{fp}\"")
        container[key] = setter(container[key])


def _setter(value: _Value, options: FieldOptions | None) -> Callable[[Any], Any]:
    """The function that turns a target's current value into its new value."""

    def set_value(current: Any) -> Any:
        v = value
        if options is not None and options.delimiter:
            if not fieldpath.is_scalar(current):
                raise ResourceError("delimiter option can only be used with scalar nodes")
            pieces = fieldpath.scalar_text(current).split(options.delimiter)
            if options.index < 0:
                pieces.insert(0, v.text)
            elif options.index >= len(pieces):
                pieces.append(v.text)
            else:
                pieces[options.index] = v.text
            v = v.with_text(options.delimiter.join(pieces))
        if fieldpath.is_scalar(current):
            return _set_scalar_text(current, v.text)
        return v.materialize()

    return set_value


def make(config: dict[str, Any], ctx: PluginContext) -> ReplacementTransformer:
    """Build from `{replacements: [...]}`; entries with `path:` are read through the loader."""
    if not isinstance(config, dict):
        raise KustomizationError("ReplacementTransformer config must be a map")
    if "kind" not in config and "metadata" not in config:
        # Only the kustomization's own `replacements:` arrives without a plugin header
        # (kind/metadata), and Kustomize reads that field strictly.
        refuse_unknown_fields(config.get("replacements"))
    # The kustomization that asked for the replacements, for error messages.
    where = getattr(ctx.extras.get("target"), "display", "") or ""
    root = getattr(ctx.loader, "build_root", "") or getattr(ctx.loader, "root", "")
    return ReplacementTransformer(load_replacements(config, ctx.loader), where, root)
