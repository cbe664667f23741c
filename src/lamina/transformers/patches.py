"""The three patch plugins: PatchTransformer (`patches:`), PatchStrategicMergeTransformer
(`patchesStrategicMerge:`) and PatchJson6902Transformer (`patchesJson6902:`).

They share Kustomize's rules for finding targets:
- a strategic merge patch without a target patches the one resource whose current or
  earlier id equals the patch's own id, and fails when there is none or several;
- a targeted patch applies to every resource the selector picks, and silently to none;
- a strategic merge patch keeps the target's name, namespace and kind unless the
  `allowNameChange` / `allowKindChange` options say otherwise (it never moves a resource
  to another namespace); a JSON patch may rename freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from lamina.errors import KustomizationError, LaminaError, ResourceError, SourceRef
from lamina.model.clone import clone
from lamina.model.resid import Gvk, ResId
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.patch.json6902 import apply_json6902, parse_operations
from lamina.patch.openapi import SchemaIndex, default_index
from lamina.patch.selector import Selector, select
from lamina.patch.strategic import apply_strategic_merge
from lamina.transformers.base import PluginContext
from lamina.yaml.patch_positions import note_patch


# ---------------------------------------------------------------------------
# Reading patch documents.
# ---------------------------------------------------------------------------


def load_smp_documents(text: str, display: str) -> list[dict[str, Any]]:
    """Strategic merge patches from YAML text, checked as Kustomize checks resources.

    Raises LaminaError when the text is not a stream of Kubernetes-shaped objects (which is
    also how a JSON patch, or a bare file name, is told apart from an inline patch).
    """
    from lamina.model.documents import resources_from_documents
    from lamina.yaml import load_all_with_lines
    docs = load_all_with_lines(text, display)
    return [r.obj for r in resources_from_documents(docs, display, None)]


def _selector(raw: Any) -> Selector | None:
    if raw is None:
        return None
    return Selector.from_dict(raw)


def _smp_id(patch: Mapping[str, Any]) -> ResId:
    raw_md = patch.get("metadata")
    md: Mapping[str, Any] = raw_md if isinstance(raw_md, dict) else {}
    name, ns = md.get("name"), md.get("namespace")
    return ResId(Gvk.from_api_version(str(patch.get("apiVersion") or ""), str(patch.get("kind") or "")),
                 name if isinstance(name, str) else "", ns if isinstance(ns, str) else "")


def _unique_target(resmap: ResMap, rid: ResId) -> Resource | None:
    """Kustomize's GetById: exactly one resource with this id, now or before a rename.
    None when the map holds only part of the build's resources (the build memo's partial
    rebuild) and the target is in a part that is not there; the memo checks the count."""
    found = [r for r in resmap.by_any_id(rid) if r.obj]
    if resmap.chunking is not None:
        resmap.chunking.count("patch", str(rid), found)
        if resmap.chunking.partial and not found:
            return None
    if len(found) == 1:
        return found[0]
    what = "multiple matches" if found else "no matches"
    raise ResourceError(f"{what} for Id {rid}; failed to find unique target for patch {rid}")


def _apply_smp(resmap: ResMap, res: Resource, patch: dict[str, Any], schema: SchemaIndex,
               allow_name: bool, allow_kind: bool, source: str, display: str = "",
               inline: tuple[str, str] | None = None) -> None:
    """Kustomize's Resource.ApplySmPatch, plus dropping a resource the patch deleted."""
    name, namespace, kind = res.name, res.namespace, res.kind
    resmap.touch(res)
    if allow_name or allow_kind:
        res.remember_id()
    try:
        merged = apply_strategic_merge(res.obj, patch, schema)
    except LaminaError as exc:
        raise type(exc)(f"applying patch {source} to {res.cur_id}: {exc.message}", exc.source) from None
    if merged is None:
        resmap.remove(res)
        return
    res.obj = merged
    if inline is not None:
        note_patch(res, inline[0], patch, inline[1])
    else:
        note_patch(res, display or source, patch)
    if not allow_kind:
        res.obj["kind"] = kind
    if not allow_name:
        res.name = name
    res.namespace = namespace


def _apply_json(res: Resource, ops: tuple[dict[str, Any], ...], source: str,
                display: str = "", inline: tuple[str, str] | None = None) -> None:
    try:
        res.obj = apply_json6902(res.obj, list(ops))
        if inline is not None:
            note_patch(res, inline[0], None, inline[1])
        else:
            note_patch(res, display or source)
    except LaminaError as exc:
        raise type(exc)(f"applying JSON patch {source} to {res.cur_id}: {exc.message}",
                        exc.source) from None


def _read(ctx: PluginContext, path: str) -> str:
    return ctx.loader.read_text(path)


def _flag(options: Any, key: str) -> bool:
    if options is None:
        return False
    if not isinstance(options, dict):
        raise KustomizationError(f"patch options must be a mapping, got {options!r}")
    unknown = sorted(set(options) - {"allowNameChange", "allowKindChange"})
    if unknown:
        raise KustomizationError(f'invalid Kustomization: json: unknown field "{unknown[0]}" in patch options')
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise KustomizationError(f"patch option {key} must be true or false, got {value!r}")
    return value


# ---------------------------------------------------------------------------
# PatchTransformer (`patches:`).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchTransformer:
    source: str                         # '[path: "x.yaml"]' or '[patch: "..."]', for messages
    display: str                        # the patch file as messages show it
    target: Selector | None
    smp: tuple[dict[str, Any], ...] | None
    json_ops: tuple[dict[str, Any], ...] | None
    allow_name_change: bool
    allow_kind_change: bool
    schema: SchemaIndex
    # An inline patch: (the kustomization that holds it, as displayed; its text), so a
    # field it sets is named at its line there (yaml/inline_positions.py).
    inline: tuple[str, str] | None = None
    # (target, resources it selected) for each targeted run, read by run_transformers for
    # the unmatched-patch check (kustomize/unmatched.py).
    observed: list[tuple[Selector, list[Resource]]] = field(default_factory=list, compare=False,
                                                            repr=False)

    # Reports every resource it edits to ResMap.touch (see run_transformers).
    reports_edits = True

    def transform(self, resmap: ResMap) -> None:
        if self.smp is not None:
            self._strategic(resmap, self.smp)
        elif self.json_ops is not None:
            self._json(resmap, self.json_ops)

    def _strategic(self, resmap: ResMap, smp: tuple[dict[str, Any], ...]) -> None:
        if self.target is not None:
            if len(smp) > 1:
                raise KustomizationError(
                    "Multiple Strategic-Merge Patches in one `patches` entry is not allowed "
                    f"to set `patches.target` field: {self.source}")
            if not smp:
                return
            found = select(resmap, self.target)
            self.observed.append((self.target, found))
            for res in found:
                patch = clone(smp[0])
                # Kustomize gives the patch the target's group and version, keeping its kind.
                patch["apiVersion"] = res.api_version
                _apply_smp(resmap, res, patch, self.schema, self.allow_name_change,
                           self.allow_kind_change, self.source, self.display, self.inline)
            return
        for patch in smp:
            rid = _smp_id(patch)
            try:
                unique = _unique_target(resmap, rid)
            except ResourceError as exc:
                raise ResourceError(
                    f"no resource matches strategic merge patch \"{rid}\": {exc.message}",
                    SourceRef(self.display)) from None
            if unique is None:
                continue
            _apply_smp(resmap, unique, patch, self.schema, self.allow_name_change,
                       self.allow_kind_change, self.source, self.display, self.inline)

    def _json(self, resmap: ResMap, json_ops: tuple[dict[str, Any], ...]) -> None:
        if self.target is None:
            raise KustomizationError(f"must specify a target for JSON patch {self.source}")
        found = select(resmap, self.target)
        self.observed.append((self.target, found))
        for res in found:
            resmap.touch(res)
            res.remember_id()   # `patches:` records the id even when the name stays
            _apply_json(res, json_ops, self.source, self.display, self.inline)


def make_patch_transformer(config: dict[str, Any], ctx: PluginContext) -> PatchTransformer:
    path, inline = config.get("path") or "", config.get("patch") or ""
    if not isinstance(path, str) or not isinstance(inline, str):
        raise KustomizationError("a patch's path and patch must be strings")
    inline = inline.strip()
    if not inline and not path:
        raise KustomizationError("must specify one of patch and path in a `patches` entry")
    if inline and path:
        raise KustomizationError(f"patch and path can't be set at the same time (path {path})")
    if inline:
        text, source, display = inline, f"[patch: {inline!r}]", "<inline patch>"
    else:
        try:
            text = _read(ctx, path)
        except LaminaError as exc:
            from lamina.errors import MissingFileError
            if isinstance(exc, MissingFileError):
                raise       # it names the patch entry's line already
            raise type(exc)(f"failed to get the patch file from path({path}): {exc.message}",
                            exc.source) from None
        source, display = f'[path: "{path}"]', ctx.loader.display(path)

    smp: list[dict[str, Any]] | None
    ops: list[dict[str, Any]] | None
    unreadable: LaminaError | None = None
    try:
        smp = load_smp_documents(text, display)
    except LaminaError as exc:
        smp, unreadable = None, exc
    ops = None
    if not smp:
        # A text that holds resources starts with a mapping, so it cannot also be a list
        # of operations: reading it a second time could only fail.
        try:
            ops = parse_operations(text, display)
        except LaminaError:
            ops = None
    if smp and ops:
        raise KustomizationError(f"illegally qualifies as both an SM and JSON patch: {source}")
    if smp is None and ops is None:
        why = unreadable.message.split("\n")[0] if unreadable is not None else ""
        if why and not inline and unreadable is not None and unreadable.source is not None \
                and unreadable.source.line is not None:
            # Not YAML at all: the patch file's own line says where, better than the entry.
            raise KustomizationError(f"unable to parse SM or JSON patch from {source}: {why}",
                                     unreadable.source)
        raise KustomizationError(f"unable to parse SM or JSON patch from {source}"
                                 + (f": {why}" if why else ""))
    options = config.get("options")
    return PatchTransformer(
        source=source,
        display=display,
        target=_selector(config.get("target")),
        smp=tuple(smp) if smp is not None else None,
        json_ops=tuple(ops) if smp is None and ops is not None else None,
        allow_name_change=_flag(options, "allowNameChange"),
        allow_kind_change=_flag(options, "allowKindChange"),
        schema=ctx.schema if ctx.schema is not None else default_index(),
        inline=_written_in(ctx, text) if inline else None,
    )


def _written_in(ctx: PluginContext, text: str) -> tuple[str, str] | None:
    """(the kustomization, as displayed; the inline patch `text`) for note_patch; None for
    a plugin with no kustomization (a `transformers:` config file)."""
    target = ctx.extras.get("target")
    display = getattr(target, "display", "") if target is not None else ""
    return (display, text) if display else None


# ---------------------------------------------------------------------------
# PatchStrategicMergeTransformer (`patchesStrategicMerge:`).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchStrategicMergeTransformer:
    patches: tuple[tuple[dict[str, Any], str], ...]   # (patch, where it came from)
    schema: SchemaIndex
    # Per patch: its inline text's place (_written_in), None for a patch file.
    inline: tuple[tuple[str, str] | None, ...] = ()

    # Reports every resource it edits to ResMap.touch (see run_transformers).
    reports_edits = True

    def transform(self, resmap: ResMap) -> None:
        for n, (patch, source) in enumerate(self.patches):
            try:
                res = _unique_target(resmap, _smp_id(patch))
            except ResourceError as exc:
                raise ResourceError(exc.message, SourceRef(source)) from None
            if res is None:
                continue
            inline = self.inline[n] if n < len(self.inline) else None
            _apply_smp(resmap, res, clone(patch), self.schema, False, False, source,
                       inline=inline)


def make_psm_transformer(config: dict[str, Any], ctx: PluginContext) -> PatchStrategicMergeTransformer:
    paths = config.get("paths") or []
    inline = config.get("patches") or ""
    if not isinstance(paths, list) or not isinstance(inline, str):
        raise KustomizationError("patchesStrategicMerge: expected a list of paths or patches")
    if not paths and not inline:
        raise KustomizationError("empty file path and empty patch content")
    loaded: list[tuple[dict[str, Any], str]] = []
    inlines: list[tuple[str, str] | None] = []
    for entry in paths:
        if not isinstance(entry, str):
            raise KustomizationError(f"patchesStrategicMerge entries must be strings, got {entry!r}")
        try:
            # An entry is inline YAML when it reads as patches; otherwise it names a file.
            docs, source = load_smp_documents(entry, "<inline patch>"), "<inline patch>"
        except LaminaError:
            source = ctx.loader.display(entry)
            docs = load_smp_documents(_read(ctx, entry), source)
        loaded.extend((doc, source) for doc in docs)
        place = _written_in(ctx, entry) if source == "<inline patch>" else None
        inlines.extend(place for _doc in docs)
    if inline:
        docs = load_smp_documents(inline, "<inline patch>")
        loaded.extend((doc, "<inline patch>") for doc in docs)
        inlines.extend(_written_in(ctx, inline) for _doc in docs)
    if not loaded:
        raise KustomizationError(
            f"patch appears to be empty; files=[{' '.join(map(str, paths))}], Patch={inline}")
    return PatchStrategicMergeTransformer(
        tuple(loaded), ctx.schema if ctx.schema is not None else default_index(), tuple(inlines))


# ---------------------------------------------------------------------------
# PatchJson6902Transformer (`patchesJson6902:`).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchJson6902Transformer:
    target: Selector
    ops: tuple[dict[str, Any], ...]
    source: str
    inline: tuple[str, str] | None = None     # an inline jsonOp's place (_written_in)
    observed: list[tuple[Selector, list[Resource]]] = field(default_factory=list, compare=False,
                                                            repr=False)

    # Reports every resource it edits to ResMap.touch (see run_transformers).
    reports_edits = True

    def transform(self, resmap: ResMap) -> None:
        found = select(resmap, self.target)
        self.observed.append((self.target, found))
        for res in found:
            resmap.touch(res)
            _apply_json(res, self.ops, self.source, inline=self.inline)


def make_json6902_transformer(config: dict[str, Any], ctx: PluginContext) -> PatchJson6902Transformer:
    target = config.get("target")
    if not isinstance(target, dict) or not target.get("name"):
        raise KustomizationError("must specify the target name")
    path, op_text = config.get("path") or "", config.get("jsonOp") or ""
    if not isinstance(path, str) or not isinstance(op_text, str):
        raise KustomizationError("patchesJson6902: path and patch must be strings")
    if not path and not op_text:
        raise KustomizationError("empty file path and empty jsonOp")
    if path:
        if op_text:
            raise KustomizationError("must specify a file path or jsonOp, not both")
        op_text = _read(ctx, path)
        if not op_text:
            raise KustomizationError(f"patch file '{path}' empty seems to be empty")
        source = ctx.loader.display(path)
    else:
        source = "<inline jsonOp>"
    ops = parse_operations(op_text, source)
    if not ops:
        raise KustomizationError(f"patch appears to be empty; file={path}, JsonOp={op_text}")
    return PatchJson6902Transformer(Selector.from_dict(target), tuple(ops), source,
                                    None if path else _written_in(ctx, op_text))
