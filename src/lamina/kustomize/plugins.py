"""Turning a kustomization's fields into builtin plugin configs, and running them.

Mirrors Kustomize's kusttarget_configplugin.go: each field becomes one or more
(kind, config) pairs in Kustomize's builtin-plugin schema, run in a fixed order. Entries
under `generators:` and `transformers:` that name a builtin kind run through the same
registry, so `namePrefix: p-` and a PrefixTransformer config behave the same.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, Iterator, Protocol, Sequence

from lamina.errors import KustomizationError, LaminaError, NotSupportedError, SourceRef
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext
from lamina.transformers.registry import generator_factory, transformer_factory

from lamina.kustomize.accumulator import Accumulator

if TYPE_CHECKING:
    from lamina.kustomize.context import BuildContext
    from lamina.kustomize.kustomization import Kustomization
    from lamina.kustomize.origin import OriginTracker
    from lamina.model.files import FileLoader
    from lamina.transformers.fieldspecs import FieldSpec


class Target(Protocol):
    """What the plugin runner needs of the kustomization being built (kustomize/target.py's
    Target): declared here so that the runner does not import the recipe that calls it."""

    @property
    def loader(self) -> "FileLoader": ...   # read-only, so Target's own loader type fits
    kustomization: "Kustomization"
    origin: "OriginTracker | None"
    context: "BuildContext"

    @property
    def display(self) -> str: ...

    def accumulate_resources(self, ra: Accumulator, paths: list[str]) -> None: ...

BUILTIN_API_VERSION = "builtin"


def _specs(family: tuple) -> list[dict[str, Any]]:
    return [fs.to_dict() for fs in family]


def _spec_objects(family: "Sequence[FieldSpec]") -> list[Any]:
    """The field specs themselves, for the factories that take FieldSpec objects as well as
    dicts (field_specs() in transformers/labels.py): a big overlay runs hundreds of these
    transformers, and turning every spec into a dict and back was a visible cost."""
    return list(family)


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


# ---- configurations and crds ----------------------------------------------------------

def load_configurations(target: "Target") -> Any:
    from lamina.transformers.fieldspecs import EMPTY_CONFIG, load_config
    from lamina.yaml import load_all
    cfg = EMPTY_CONFIG
    for path in target.kustomization.list("configurations"):
        display = target.loader.display(path)
        docs = load_all(target.loader.read_text(path), display)
        for doc in docs:
            cfg = cfg.merge(load_config(doc, display))
    return cfg


def load_crd_config(target: "Target") -> Any:
    from lamina.transformers.fieldspecs import EMPTY_CONFIG
    cfg = EMPTY_CONFIG
    if not target.kustomization.list("crds"):
        return cfg
    from lamina.transformers.crd_fieldspecs import config_from_crds
    from lamina.yaml import load_all
    for path in target.kustomization.list("crds"):
        display = target.loader.display(path)
        docs = load_all(target.loader.read_text(path), display)
        cfg = cfg.merge(config_from_crds(docs))
    return cfg


# ---- generators -----------------------------------------------------------------------

def builtin_generator_configs(target: "Target") -> Iterator[tuple[str, dict[str, Any]]]:
    k = target.kustomization
    global_opts = k.get("generatorOptions")
    for field, kind in (("configMapGenerator", "ConfigMapGenerator"),
                        ("secretGenerator", "SecretGenerator")):
        for entry in k.list(field):
            if not isinstance(entry, dict):
                raise KustomizationError(f"invalid {field} entry {entry!r}",
                                         SourceRef(target.display))
            cfg = dict(entry)
            from lamina.generators.configmap import merge_generator_options
            cfg["options"] = merge_generator_options(entry.get("options"), global_opts)
            yield kind, cfg
    for chart in k.list("helmCharts"):
        if not isinstance(chart, dict):
            raise KustomizationError(f"invalid helmCharts entry {chart!r}", SourceRef(target.display))
        cfg = dict(chart)
        if not cfg.get("namespace") and k.get("namespace"):
            cfg["namespace"] = k.get("namespace")
        cfg["helmGlobals"] = k.get("helmGlobals") or {}
        yield "HelmChartInflationGenerator", cfg


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
        ctx = plugin_context(target, ra.config, kind)
        from lamina.kustomize.entry_errors import at_entry
        from lamina.kustomize.fieldlines import FIELD_OF_KIND
        gen_field = FIELD_OF_KIND.get(kind)
        with at_entry(target.kustomization.path, target.display, gen_field,
                      entries.get(gen_field or "", 0)):
            generated = factory(cfg, ctx).generate()
        _annotate_generated(target, generated, ctx.origin)
        _point_at_entry(target, generated, kind, entries)
        _absorb(target, ra, generated, kind)
        if target.context.tracer is not None:
            from lamina.kustomize.fieldlines import FIELD_OF_KIND
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

def builtin_transformer_configs(target: "Target", tc: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Kustomize's configureBuiltinTransformers, field by field, in its order."""
    k = target.kustomization
    if k.list("patchesStrategicMerge"):
        yield "PatchStrategicMergeTransformer", {"paths": k.list("patchesStrategicMerge")}
    for patch in k.list("patches"):
        yield "PatchTransformer", _patch_config(patch, target)
    if k.get("namespace"):
        yield "NamespaceTransformer", {"metadata": {"namespace": k.get("namespace")},
                                       "fieldSpecs": _specs(tc.namespace)}
    if k.get("namePrefix"):
        yield "PrefixTransformer", {"prefix": k.get("namePrefix"), "fieldSpecs": _specs(tc.name_prefix)}
    if k.get("nameSuffix"):
        yield "SuffixTransformer", {"suffix": k.get("nameSuffix"), "fieldSpecs": _specs(tc.name_suffix)}
    if k.list("labels") or k.get("commonLabels"):
        from lamina.transformers.labels import label_field_specs
        for entry in k.list("labels"):
            if not isinstance(entry, dict):
                raise KustomizationError(f"invalid labels entry {entry!r}", SourceRef(target.display))
            specs = label_field_specs(entry, tc)
            yield "LabelTransformer", {"labels": entry.get("pairs") or {},
                                       "fieldSpecs": _spec_objects(specs)}
        yield "LabelTransformer", {"labels": k.get("commonLabels") or {},
                                   "fieldSpecs": _spec_objects(tc.common_labels)}
    if k.get("commonAnnotations"):
        yield "AnnotationsTransformer", {"annotations": k.get("commonAnnotations"),
                                         "fieldSpecs": _spec_objects(tc.common_annotations)}
    for patch in k.list("patchesJson6902"):
        if not isinstance(patch, dict):
            raise KustomizationError(f"invalid patchesJson6902 entry {patch!r}", SourceRef(target.display))
        cfg = {"target": patch.get("target"), "path": patch.get("path"), "jsonOp": patch.get("patch")}
        yield "PatchJson6902Transformer", {k2: v for k2, v in cfg.items() if v is not None}
    for replica in k.list("replicas"):
        yield "ReplicaCountTransformer", {"replica": replica, "fieldSpecs": _spec_objects(tc.replicas)}
    for image in k.list("images"):
        yield "ImageTagTransformer", {"imageTag": image, "fieldSpecs": _spec_objects(tc.images)}
    if k.list("replacements"):
        yield "ReplacementTransformer", {"replacements": k.list("replacements")}


def _patch_config(patch: Any, target: "Target") -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise KustomizationError(f"invalid patches entry {patch!r}", SourceRef(target.display))
    unknown = set(patch) - {"path", "patch", "target", "options"}
    if unknown:
        raise KustomizationError(
            f"invalid Kustomization: json: unknown field \"{sorted(unknown)[0]}\"",
            SourceRef(target.display))
    return {k: v for k, v in patch.items() if v is not None}


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


def run_transformers(target: "Target", ra: Accumulator, skip: tuple[str, ...] = (),
                     only: tuple[str, ...] | None = None) -> None:
    """Run the kustomization's transformers in Kustomize's order. `skip` and `only` name
    builtin kinds to leave out or to run alone: the build memo runs the last step
    (replacements, which reads other resources) apart from the rest."""
    from lamina.kustomize.fieldlines import FIELD_OF_KIND
    steps = [(kind, cfg, None) for kind, cfg in builtin_transformer_configs(target, ra.config)
             if kind not in skip and (only is None or kind in only)]
    external_start = len(steps)
    if only is None:
        steps += list(external_plugin_configs(target, "transformers"))
    seen: dict[str, int] = {}
    counts: dict[str, int] = {}      # entries of each patch field so far (unmatched-patch)
    counts_seen: dict[str, int] = {}  # entries of each field so far (entry_errors)
    # Consecutive `images:` entries run as one sequence (same result, one visit per
    # resource) unless a tracer or transformer annotations need to see each entry.
    images_in_sequence = target.origin is None and target.context.tracer is None
    pending_images: list[Any] = []
    with contextlib.ExitStack() as window:
        in_window = False
        for number, (kind, cfg, origin) in enumerate(steps):
            factory = transformer_factory(kind)
            if factory is None:
                if generator_factory(kind) is not None:
                    raise KustomizationError(f"plugin {kind} not a transformer", SourceRef(target.display))
                raise KustomizationError(
                    f"unable to load builtin transformer {kind}", SourceRef(target.display))
            ctx = plugin_context(target, ra.config, kind, origin)
            with _entry_of(target, kind, number, external_start, counts_seen):
                transformer = factory(cfg, ctx)
            # A run of transformers that report what they edit (patches, replicas) shares one
            # ResMap editing window, so their lookups re-check only the resources edited since
            # the last one; any other transformer closes it (it may rename anything).
            if getattr(transformer, "reports_edits", False):
                if not in_window:
                    window.enter_context(ra.resmap.editing())
                    in_window = True
            elif in_window:
                window.close()
                in_window = False
            if images_in_sequence and kind == "ImageTagTransformer":
                pending_images.append(transformer)
                if number + 1 < len(steps) and steps[number + 1][0] == kind:
                    continue
                from lamina.transformers.images import transform_in_sequence
                from lamina.kustomize.entry_errors import at_entry
                with at_entry(target.kustomization.path, target.display, "images", None):
                    transform_in_sequence(pending_images, ra.resmap)
                pending_images = []
            else:
                with _entry_of(target, kind, number, external_start, counts_seen, True):
                    transformer.transform(ra.resmap)
            observed = getattr(transformer, "observed", None)
            if observed is not None:
                _note_selections(target, ra, kind, number, external_start, counts, observed)
            if target.origin is not None:
                for res in ra.resmap:
                    target.origin.add_transformation(res, ctx.origin)
            ra.resmap.drop_empty()
            if target.context.tracer is not None:
                field = FIELD_OF_KIND.get(kind) if number < external_start else None
                if kind == "LabelTransformer" and cfg.get("labels") == target.kustomization.get("commonLabels"):
                    field = "commonLabels" if target.kustomization.get("commonLabels") else field
                index = seen.get(field or "", 0) if field in ("patches", "patchesJson6902", "images",
                                                                "replicas", "labels") else None
                if field is None:
                    index = number - external_start
                seen[field or ""] = seen.get(field or "", 0) + 1
                _trace(target, ra.resmap, kind, field, index, cfg)


def _field_line(target: "Target", field: str) -> SourceRef:
    from lamina.kustomize.fieldlines import field_line
    return field_line(target.kustomization.path, target.display, field, None)


def _entry_of(target: "Target", kind: str, number: int, external_start: int,
              seen: dict[str, int], last: bool = False) -> Any:
    """A context naming errors at the kustomization entry of this step (entry_errors.py);
    `last` marks the step's final use, which counts the entry."""
    from lamina.kustomize.entry_errors import at_entry
    from lamina.kustomize.fieldlines import FIELD_OF_KIND
    if number >= external_start:
        field, index = "transformers", number - external_start
    else:
        field = FIELD_OF_KIND.get(kind)
        index = seen.get(field or "", 0) if field in ("patches", "patchesJson6902", "images",
                                                        "replicas") else None
        if last:
            seen[field or ""] = seen.get(field or "", 0) + 1
    return at_entry(target.kustomization.path, target.display, field, index)


_PATCH_FIELDS = {"PatchTransformer": "patches", "PatchJson6902Transformer": "patchesJson6902",
                 "ReplacementTransformer": "replacements"}


def _note_selections(target: "Target", ra: "Accumulator", kind: str, number: int,
                     external_start: int, counts: dict[str, int], observed: list) -> None:
    """Hand what a patch or replacement selected to kustomize/unmatched.py."""
    from lamina.kustomize.unmatched import Unmatched, describe, note
    field = _PATCH_FIELDS.get(kind, "transformers")
    if number >= external_start:
        field, index = "transformers", number - external_start
    else:
        index = counts.get(field, 0)
        counts[field] = index + 1
    path = os.path.realpath(target.kustomization.path)
    for selector, found in observed:
        if isinstance(selector, str):     # a replacement's target: replacements[i].targets[j]
            entry = int(selector.split("[", 1)[1].split("]", 1)[0]) if field == "replacements" \
                else index
            what = selector
        else:
            entry, what = index, describe(selector)
        note(ra, Unmatched(path, field, entry, what), found)
    observed.clear()


# ---- entries under generators: / transformers: ---------------------------------------

def external_plugin_configs(target: "Target", field: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Each entry is inline YAML, a file of plugin configs, or a kustomization directory
    whose output is plugin configs. Only builtin kinds (apiVersion: builtin) can run:
    kubectl kustomize forbids exec and Go plugins, and so does lamina."""
    from lamina.yaml import load_all_with_lines
    from lamina.model.documents import resources_from_documents
    configs: list[tuple[Any, Any]] = []
    for entry in target.kustomization.list(field):
        inline = None
        if "\n" in entry or ":" in entry and not os.path.exists(os.path.join(target.loader.root, entry)):
            try:
                docs = load_all_with_lines(entry, target.display)
                if docs and all(isinstance(d, dict) for d, _ in docs):
                    inline = resources_from_documents(docs, target.display, None)
            except LaminaError:
                inline = None
        if inline is not None:
            for res in inline:
                origin = (target.origin.plugin_origin(target.kustomization.file_name, res.kind,
                          res.api_version, res.name, res.namespace) if target.origin else None)
                configs.append((res, origin))
            continue
        ra = Accumulator.empty()
        saved_origin = target.origin
        target.accumulate_resources(ra, [entry])
        target.origin = saved_origin
        for res in ra.resmap:
            origin = None
            if target.origin is not None:
                from lamina.kustomize.origin import ORIGIN_ANNOTATION, annotation_value
                path = annotation_value(res.obj, ORIGIN_ANNOTATION) or ""
                configured_in = path.partition("path: ")[2].strip() if "path: " in path else ""
                by = [("apiVersion", res.api_version), ("kind", res.kind)]
                if res.name:
                    by.append(("name", res.name))
                if res.namespace:
                    by.append(("namespace", res.namespace))
                from lamina.kustomize.origin import OriginRecord
                origin = OriginRecord(configured_in=configured_in, configured_by=tuple(by))
            configs.append((res, origin))
    for res, origin in configs:
        if res.gvk.group != "" or res.gvk.version != BUILTIN_API_VERSION:
            raise NotSupportedError(
                f"external plugins disabled; unable to load external plugin '{res.kind}'. "
                "lamina runs only builtin plugins (apiVersion: builtin); exec, Go and "
                "container KRM functions are not supported yet: remove the entry, or rewrite "
                "it as a builtin plugin",
                _field_line(target, field))
        cfg = {k: v for k, v in res.obj.items() if k not in ("apiVersion", "kind")}
        yield res.kind, cfg, origin
