"""`lamina build`: one kustomization directory in, Kustomize's resources out."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from lamina.store.folder import enabled as cache_enabled
from lamina.version import KUSTOMIZE_COMPAT_VERSION
from lamina.errors import LaminaError
from lamina.kustomize.context import BuildContext, Tracer
from lamina.kustomize.dialect import ValuesOptions, make_renderer, merged_values
from lamina.kustomize.loader import ROOT_ONLY, FileLoader
from lamina.kustomize.origin import strip_annotations
from lamina.kustomize.target import Target
from lamina.model.resmap import ResMap

IGNORED_BY_KUSTOMIZE = "config.kubernetes.io/local-config"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"


@dataclass(frozen=True)
class BuildOptions:
    load_restrictor: str = ROOT_ONLY
    # Receives every field a transformer sets; None keeps the build free of tracing cost.
    tracer: Tracer | None = None
    values: ValuesOptions = ValuesOptions()
    # When set, collects the absolute path of every file the build reads.
    reads: set[str] | None = None
    # Keep each base's share of the result on disk and rebuild only changed bases next
    # time (kustomize/memo.py); `lamina render` turns it on.
    memo: bool = False
    # When set, receives the patches and replacement targets that selected nothing
    # (kustomize/unmatched.py; the unmatched-patch check).
    unmatched: list | None = None


def build(directory: str, options: BuildOptions = BuildOptions()) -> ResMap:
    """Build the kustomization in `directory` exactly as `kubectl kustomize` would."""
    # A build allocates a great many dicts and lists and makes no reference cycles worth
    # collecting; the cyclic collector's passes over them cost about 5% of a big build.
    from lamina.yaml.gc_pause import gc_paused
    with gc_paused():
        return _build(directory, options)


def _build(directory: str, options: BuildOptions) -> ResMap:
    values = options.values
    if (options.memo and options.tracer is None
            and not (values.files or values.sets or values.set_strings)
            and cache_enabled()):
        from lamina.kustomize import memo
        root = FileLoader.at(directory, options.load_restrictor)
        target, ra = memo.accumulate(
            root.root, root.restrictor,
            lambda plan, partial: _load_root(directory, options, plan, partial), options.reads)
    else:
        target = _load_root(directory, options, None, False)
        ra = target.accumulate()

    if options.unmatched is not None:
        options.unmatched.extend(ra.unmatched)
    from lamina.generators.hash_suffix import make_hash_transformer
    from lamina.kustomize.plugins import plugin_context
    make_hash_transformer({}, plugin_context(target, ra.config, "HashTransformer")).transform(ra.resmap)
    tracer = options.tracer
    if tracer is not None:
        tracer.observe(ra.resmap, "content-hash name suffix", None)

    from lamina.transformers.nameref import fix_name_references
    fix_name_references(ra.resmap, ra.config)
    if tracer is not None:
        tracer.observe(ra.resmap, "name references repaired after renames", None)

    from lamina.transformers.vars import resolve_vars
    resolve_vars(ra.resmap, ra.vars, ra.config)
    if tracer is not None:
        tracer.observe(ra.resmap, "vars substituted", None)

    resmap = ResMap()
    resmap.set_items([r for r in ra.resmap if _annotation(r.obj, IGNORED_BY_KUSTOMIZE) in (None, "false")])

    _sort(target, resmap)

    meta = target.build_metadata
    if "managedByLabel" in meta:
        for res in resmap:
            labels = res.metadata.get("labels")
            if not isinstance(labels, dict):
                labels = {}
                res.metadata["labels"] = labels
            labels[MANAGED_BY_LABEL] = f"kustomize-{KUSTOMIZE_COMPAT_VERSION}"
    keep_origin = "originAnnotations" in meta
    keep_transformations = "transformerAnnotations" in meta
    for res in resmap:
        strip_annotations(res, keep_origin, keep_transformations)
    return resmap


def _load_root(directory: str, options: BuildOptions, plan: Any, partial: bool) -> Target:
    """The root Target with a fresh build context. With the memo's `plan`, the loader
    records exactly the root's own reads (the values walk does not record), and a
    `partial` rebuild skips the walk (lamina values make a build ineligible anyway)."""
    reads = set() if plan is not None else options.reads
    loader = FileLoader.at(directory, options.load_restrictor, reads)
    loaded: dict[str, Any] = {}
    renderer = None
    if not partial:
        walker = loader
        if plan is not None:
            # The walk's reads are inputs of the build, but not of the memo's pipeline.
            walker = dataclasses.replace(loader, reads=plan.walk_reads)
        values = merged_values(walker, options.values, loaded)
        if values is not None:
            renderer = make_renderer(values)
            if plan is not None:
                plan.eligible = False
    context = BuildContext(tracer=options.tracer, memo_plan=plan, kustomizations=loaded,
                           renderer=renderer)
    return Target.load(loader, context=context)


def _annotation(obj: dict[str, Any], key: str) -> Any:
    md = obj.get("metadata")
    if isinstance(md, dict) and isinstance(md.get("annotations"), dict):
        return md["annotations"].get(key)
    return None


def _sort(target: Target, resmap: ResMap) -> None:
    from lamina.transformers.sort import make
    from lamina.kustomize.plugins import plugin_context
    options = target.kustomization.get("sortOptions") or {"order": "legacy"}
    make({"sortOptions": options}, plugin_context(target, None, "SortOrderTransformer")).transform(resmap)


def render(resmap: ResMap) -> str:
    from lamina.yaml import dump_all
    return dump_all([r.obj for r in resmap])


__all__ = ["BuildOptions", "build", "render", "LaminaError"]
