"""Running a kustomization's builtin plugins: its generators, then its transformers.

configplugin.py turns the kustomization's fields (and its `generators:` / `transformers:`
entries) into (kind, config) pairs in Kustomize's builtin-plugin schema; this module makes
each plugin through the registry and runs it. The transformer recipe reads as Kustomize's
runTransformers does, one step after another; what surrounds a step (the ResMap edit
window, the origin annotations of buildMetadata, unmatched-patch notes for the build memo
and the checks, the explain tracer) is added around it by the wrappers below.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from lamina.errors import KustomizationError, LaminaError, SourceRef
from lamina.kustomize.accumulator import Accumulator
from lamina.kustomize.entry_errors import at_entry
from lamina.kustomize.fieldlines import FIELD_OF_KIND
from lamina.kustomize.configplugin import (Target, builtin_generator_configs,
                                           builtin_transformer_configs, external_plugin_configs)
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext
from lamina.transformers.registry import generator_factory, transformer_factory

__all__ = ["Target", "plugin_context", "target_schema", "run_generators", "run_transformers"]


def plugin_context(target: "Target", config: Any, kind: str,
                   origin: Any = None) -> PluginContext:
    """What a builtin plugin of `kind` is given at this kustomization: its loader, the
    build's schema and tracer, and the origin its changes are recorded under."""
    if origin is None and target.origin is not None:
        origin = target.origin.plugin_origin(target.kustomization.file_name, kind)
    return PluginContext(loader=target.loader, config=config, schema=target_schema(target),
                         origin=origin, tracer=target.context.tracer,
                         extras={"target": target})


def target_schema(target: "Target") -> Any:
    """The OpenAPI index for strategic merges at this point of the build. Kustomize keeps
    one schema per build (the root's `openapi:`, else the first one declared), so this is
    read from the build-wide BuildSchema rather than from the kustomization at hand."""
    return target.context.schema.current


# ---- generators -----------------------------------------------------------------------

def run_generators(target: "Target", ra: Accumulator) -> None:
    # Generators only make new resources, which absorb() appends or swaps in through the
    # map: one editing window for all of them spares a re-check of every id per generator.
    with ra.resmap.editing():
        _run_generators(target, ra)


def _run_generators(target: "Target", ra: Accumulator) -> None:
    # Builtin generators first, then the `generators:` entries (Kustomize's order).
    entries: dict[str, int] = {}
    for kind, cfg in builtin_generator_configs(target):
        factory = generator_factory(kind)
        if factory is None:      # every builtin field's kind is registered
            raise KustomizationError(f"unable to load builtin generator {kind}",
                                     SourceRef(target.display))
        ctx = plugin_context(target, ra.config, kind)
        gen_field = FIELD_OF_KIND.get(kind)
        with at_entry(target.kustomization.path, target.display, gen_field,
                      entries.get(gen_field or "", 0)):
            generated = factory(cfg, ctx).generate()
        _annotate_generated(target, generated, ctx.origin)
        _point_at_entry(target, generated, kind, entries)
        _absorb(target, ra, generated, kind)
        if target.context.tracer is not None:
            _trace(target, ra.resmap, kind, FIELD_OF_KIND.get(kind), None)
    for kind, cfg, origin in external_plugin_configs(target, "generators"):
        factory = generator_factory(kind)
        if factory is None:
            raise KustomizationError(
                f"unable to load builtin generator {kind}: lamina knows the generators "
                f"ConfigMapGenerator and SecretGenerator", SourceRef(target.display))
        ctx = plugin_context(target, ra.config, kind, origin)
        generated = factory(cfg, ctx).generate()
        _annotate_generated(target, generated, ctx.origin)
        _absorb(target, ra, generated, kind)


def _point_at_entry(target: "Target", generated: ResMap, kind: str, entries: dict[str, int]) -> None:
    """A generated resource's messages and findings name the generator entry that made it
    (`kustomization.yaml:12`), the only place the user wrote it."""
    from lamina.kustomize.fieldlines import FIELD_OF_KIND, field_line
    from lamina.model.resource import Origin
    field = FIELD_OF_KIND.get(kind)
    if field is None:
        return
    index = entries.get(field, 0)
    entries[field] = index + 1
    where = field_line(target.kustomization.path, target.display, field, index)
    for res in generated:
        if res.origin is None:
            res.origin = Origin(path=target.display, configured_in=target.display, source=where)


def _annotate_generated(target: "Target", generated: ResMap, origin: Any) -> None:
    """Kustomize's AddOriginAnnotation: generated resources without an origin get the
    generator's (only when buildMetadata asks for origins or transformations)."""
    if target.origin is None or origin is None:
        return
    from lamina.kustomize.origin import ORIGIN_ANNOTATION, annotation_value
    for res in generated:
        if annotation_value(res.obj, ORIGIN_ANNOTATION) is None:
            target.origin.annotate(res, origin)


def _absorb(target: "Target", ra: Accumulator, generated: ResMap, kind: str) -> None:
    from lamina.generators.absorb import absorb
    try:
        absorb(ra.resmap, generated)
    except LaminaError as exc:
        raise type(exc)(f"merging from generator {kind}: {exc.message}",
                        exc.source or SourceRef(target.display)) from None


# ---- transformers ---------------------------------------------------------------------

def _step(target: "Target", kind: str, field: str | None, index: int | None) -> tuple[str, Any]:
    """A description of a plugin run and the kustomization line that asked for it."""
    from lamina.kustomize.fieldlines import field_line
    where = field_line(target.kustomization.path, target.display, field or "transformers", index)
    return f"{kind} ({field or 'transformers'})", where


def _patch_files(target: "Target", cfg: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    paths = [cfg["path"]] if isinstance(cfg.get("path"), str) else []
    paths += [p for p in cfg.get("paths") or [] if isinstance(p, str) and "\n" not in p]
    out = []
    for p in paths:
        full = os.path.join(target.loader.root, p)
        if os.path.isfile(full):
            out.append((full, target.loader.display(p)))
    return tuple(out)


def _trace(target: "Target", resources, kind: str, field: str | None, index: int | None,
           cfg: dict[str, Any] | None = None) -> None:
    tracer = target.context.tracer
    if tracer is not None:
        step, where = _step(target, kind, field, index)
        tracer.observe(resources, step, where, _patch_files(target, cfg or {}))


@dataclass(frozen=True)
class Step:
    """One transformer to run: its kind and config, the origin its edits are recorded
    under, its position in the run, and the kustomization field (and that field's entry)
    that asked for it, for the tracer."""

    number: int
    kind: str
    cfg: dict[str, Any]
    origin: Any
    external: int | None        # its index under `transformers:`; None: a builtin field
    field: str | None
    index: int | None


def transformer_steps(target: "Target", config: Any, skip: tuple[str, ...] = (),
                      only: tuple[str, ...] | None = None) -> list[Step]:
    """The kustomization's transformers in Kustomize's order. `skip` and `only` name
    builtin kinds to leave out or to run alone: the build memo runs the last step
    (replacements, which reads other resources) apart from the rest."""
    k = target.kustomization
    found: list[tuple[str, dict[str, Any], Any, int | None]] = [
        (kind, cfg, None, None) for kind, cfg in builtin_transformer_configs(target, config)
        if kind not in skip and (only is None or kind in only)]
    if only is None:
        found += [(kind, cfg, origin, i) for i, (kind, cfg, origin)
                  in enumerate(external_plugin_configs(target, "transformers"))]
    seen: dict[str, int] = {}
    steps = []
    for number, (kind, cfg, origin, external) in enumerate(found):
        field = FIELD_OF_KIND.get(kind) if external is None else None
        if kind == "LabelTransformer" and cfg.get("labels") == k.get("commonLabels"):
            field = "commonLabels" if k.get("commonLabels") else field
        index = seen.get(field or "", 0) if field in ("patches", "patchesJson6902", "images",
                                                        "replicas", "labels") else None
        if field is None:
            index = external
        seen[field or ""] = seen.get(field or "", 0) + 1
        steps.append(Step(number, kind, cfg, origin, external, field, index))
    return steps


def run_transformers(target: "Target", ra: Accumulator, skip: tuple[str, ...] = (),
                     only: tuple[str, ...] | None = None) -> None:
    """Kustomize's runTransformers: make each step's transformer, apply it, drop what it
    emptied. Consecutive `images:` entries apply as one sequence (same result, one visit
    per resource) when no wrapper needs to see each entry apart."""
    steps = transformer_steps(target, ra.config, skip, only)
    after = _wrappers(target, ra)
    batch_images = target.origin is None and target.context.tracer is None
    with _EditWindow(ra.resmap) as window:
        for batch in _batches(steps, batch_images):
            made = []
            for step in batch:
                with _at_step(target, step):
                    made.append(_transformer(target, ra, step))
            for transformer, _ctx in made:
                window.fit(transformer)
            if batch_images and batch[0].kind == "ImageTagTransformer":
                from lamina.transformers.images import transform_in_sequence
                with at_entry(target.kustomization.path, target.display, "images", None):
                    transform_in_sequence([t for t, _ctx in made], ra.resmap)
            else:
                with _at_step(target, batch[0]):
                    made[0][0].transform(ra.resmap)
            ra.resmap.drop_empty()
            for wrap in after:
                wrap(batch[-1], *made[-1])


def _at_step(target: "Target", step: Step) -> contextlib.AbstractContextManager[None]:
    """Errors of this step that name no line are named at its kustomization entry
    (entry_errors.py): a `transformers:` entry, or the field's own entry where the field is
    a list whose entries run one by one."""
    field: str | None
    index: int | None
    if step.external is not None:
        field, index = "transformers", step.external
    else:
        field = FIELD_OF_KIND.get(step.kind)
        index = step.index if field in ("patches", "patchesJson6902", "images",
                                        "replicas") else None
    return at_entry(target.kustomization.path, target.display, field, index)


def _transformer(target: "Target", ra: Accumulator, step: Step) -> tuple[Any, PluginContext]:
    factory = transformer_factory(step.kind)
    if factory is None:
        if generator_factory(step.kind) is not None:
            raise KustomizationError(f"plugin {step.kind} not a transformer", SourceRef(target.display))
        raise KustomizationError(f"unable to load builtin transformer {step.kind}",
                                 SourceRef(target.display))
    ctx = plugin_context(target, ra.config, step.kind, step.origin)
    return factory(step.cfg, ctx), ctx


def _batches(steps: list[Step], batch_images: bool) -> Iterator[list[Step]]:
    batch: list[Step] = []
    for step in steps:
        if batch and not (batch_images and step.kind == batch[-1].kind == "ImageTagTransformer"):
            yield batch
            batch = []
        batch.append(step)
    if batch:
        yield batch


class _EditWindow:
    """A run of transformers that report what they edit (patches, replicas) shares one
    ResMap editing window, so their lookups re-check only the resources edited since the
    last one; any other transformer closes it (it may rename anything)."""

    def __init__(self, resmap: ResMap) -> None:
        self.resmap = resmap
        self.stack = contextlib.ExitStack()
        self.open = False

    def __enter__(self) -> "_EditWindow":
        self.stack.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self.stack.__exit__(*exc)

    def fit(self, transformer: Any) -> None:
        if getattr(transformer, "reports_edits", False):
            if not self.open:
                self.stack.enter_context(self.resmap.editing())
                self.open = True
        elif self.open:
            self.stack.close()
            self.open = False


Wrapper = Callable[[Step, Any, PluginContext], None]


def _wrappers(target: "Target", ra: Accumulator) -> list[Wrapper]:
    """What runs after each step, in this order: unmatched-patch notes, buildMetadata's
    transformation annotations (an emptied object is gone by then, and would not have been
    printed), the explain tracer."""
    counts: dict[str, int] = {}      # entries of each patch field so far (unmatched-patch)

    def selections(step: Step, transformer: Any, _ctx: PluginContext) -> None:
        observed = getattr(transformer, "observed", None)
        if observed is not None:
            _note_selections(target, ra, step, counts, observed)
    out: list[Wrapper] = [selections]
    origin = target.origin
    if origin is not None:
        def annotate(_step: Step, _t: Any, ctx: PluginContext) -> None:
            record: Any = ctx.origin    # the tracker's OriginRecord (PluginContext: Any)
            for res in ra.resmap:
                origin.add_transformation(res, record)
        out.append(annotate)
    if target.context.tracer is not None:
        def trace(step: Step, _t: Any, _ctx: PluginContext) -> None:
            _trace(target, ra.resmap, step.kind, step.field, step.index, step.cfg)
        out.append(trace)
    return out


_PATCH_FIELDS = {"PatchTransformer": "patches", "PatchJson6902Transformer": "patchesJson6902",
                 "ReplacementTransformer": "replacements"}


def _note_selections(target: "Target", ra: "Accumulator", step: Step, counts: dict[str, int],
                     observed: list[Any]) -> None:
    """Hand what a patch or replacement selected to kustomize/unmatched.py."""
    from lamina.kustomize.unmatched import Unmatched, describe, note
    from lamina.transformers.replacements import Spot
    field = _PATCH_FIELDS.get(step.kind, "transformers")
    if step.external is not None:
        field, index = "transformers", step.external
    else:
        index = counts.get(field, 0)
        counts[field] = index + 1
    path = os.path.realpath(target.kustomization.path)
    for selector, found in observed:
        if isinstance(selector, Spot):    # a replacement's target: replacements[i].targets[j]
            entry = int(selector.label.split("[", 1)[1].split("]", 1)[0]) \
                if field == "replacements" else index
            unmatched = Unmatched(selector.path or path, field, entry, selector.label,
                                  selector.at if selector.path else ())
        else:
            unmatched = Unmatched(path, field, index, describe(selector))
        note(ra, unmatched, found)
    observed.clear()


