"""Turning a kustomization's fields into builtin plugin configs (Kustomize's
kusttarget_configplugin.go): each field becomes one or more (kind, config) pairs in
Kustomize's builtin-plugin schema, in Kustomize's order; entries under `generators:` and
`transformers:` are read into the same shape. plugins.py runs them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, Protocol, Sequence

from lamina.errors import KustomizationError, LaminaError, NotSupportedError, SourceRef
from lamina.kustomize.accumulator import Accumulator

if TYPE_CHECKING:
    from lamina.kustomize.context import BuildContext
    from lamina.kustomize.kustomization import Kustomization
    from lamina.kustomize.origin import OriginTracker
    from lamina.kustomize.loader import FileLoader


class Target(Protocol):
    """What the plugin runner needs of the kustomization being built (kustomize/target.py's
    Target): declared here so that the runner does not import the recipe that calls it."""

    loader: "FileLoader"
    kustomization: "Kustomization"
    origin: "OriginTracker | None"
    context: "BuildContext"

    @property
    def display(self) -> str: ...

    def accumulate_resources(self, ra: Accumulator, paths: list[str]) -> None: ...

BUILTIN_API_VERSION = "builtin"


def _specs(family: Sequence[Any]) -> list[dict[str, Any]]:
    return [fs.to_dict() for fs in family]


def _spec_objects(family: Sequence[Any]) -> list[Any]:
    """The field specs themselves, for the factories that take FieldSpec objects as well as
    dicts (field_specs() in transformers/labels.py): a big overlay runs hundreds of these
    transformers, and turning every spec into a dict and back was a visible cost."""
    return list(family)


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
            from lamina.kustomize.fieldlines import field_line
            raise NotSupportedError(
                f"external plugins disabled; unable to load external plugin '{res.kind}'. "
                "lamina runs only builtin plugins (apiVersion: builtin); exec, Go and "
                "container KRM functions are not supported yet: remove the entry, or rewrite "
                "it as a builtin plugin", field_line(target.kustomization.path, target.display,
                                                     field, None))
        cfg = {k: v for k, v in res.obj.items() if k not in ("apiVersion", "kind")}
        yield res.kind, cfg, origin
