"""PrefixTransformer, SuffixTransformer and the legacy PrefixSuffixTransformer.

Follows Kustomize's builtins/PrefixTransformer, SuffixTransformer and filters/prefix, suffix:
- resources are selected by their *original* id; CustomResourceDefinitions, Namespaces and
  apiregistration.k8s.io APIServices are never renamed;
- for a `metadata/name` spec the resource records the prefix (suffix) and, when it is not
  empty, remembers its id before the rename; name references and the "same set of
  prefixes" rule of name-reference repair use both;
- the value at each spec must be a scalar; a spec with `create: true` creates the field
  holding just the prefix (suffix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resid import Gvk
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import FieldSpec, fold_keys
from lamina.transformers.fieldwalk import PathError, WrongNodeKind, apply_at

# Never renamed: their names are meaningful to the API server.
_SKIP = (Gvk(kind="CustomResourceDefinition"),
         Gvk(group="apiregistration.k8s.io", kind="APIService"),
         Gvk(kind="Namespace"))


@dataclass(frozen=True, slots=True)
class AffixOptions:
    affix: str
    field_specs: tuple[FieldSpec, ...]
    is_prefix: bool


def _options(config: Mapping[str, Any], key: str, kind: str) -> AffixOptions:
    config, _ = fold_keys(config, (key, "fieldSpecs"))   # Kustomize ignores unknown keys
    value = config.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise KustomizationError(f"{kind}: {key} must be a string, got {value!r}")
    specs = config.get("fieldSpecs")
    if specs is None:
        raise KustomizationError(f"{kind}: fieldSpecs is not expected to be nil")
    if not isinstance(specs, list):
        raise KustomizationError(f"{kind}: fieldSpecs must be a list")
    return AffixOptions(value, tuple(FieldSpec.from_dict(s, strict=False) for s in specs), key == "prefix")


def scalar_text(value: Any) -> str:
    """The text Kustomize sees in a scalar node, for the values YAML loading produces."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


class AffixTransformer:
    """Adds a prefix or a suffix; which one is fixed at construction."""

    def __init__(self, opts: AffixOptions, ctx: PluginContext | None = None):
        self.opts = opts
        self.ctx = ctx

    def transform(self, resmap: ResMap) -> None:
        for res in resmap:
            org = res.org_id
            if any(org.gvk.is_selected_by(s) for s in _SKIP):
                continue
            for fs in self.opts.field_specs:
                if not org.gvk.is_selected_by(Gvk(fs.group, fs.version, fs.kind)):
                    continue
                if fs.path == "metadata/name" and self.opts.affix:
                    # Kustomize skips recording an empty affix, and only a non-empty one
                    # is a rename worth remembering.
                    if self.opts.is_prefix:
                        res.prefixes.append(self.opts.affix)
                    else:
                        res.suffixes.append(self.opts.affix)
                    res.remember_id()
                self._apply(res, fs)

    def _apply(self, res: Resource, fs: FieldSpec) -> None:
        if not fs.matches_obj(res.obj):
            return
        affix, is_prefix = self.opts.affix, self.opts.is_prefix
        tracer = self.ctx.tracer if self.ctx is not None else None
        origin = self.ctx.origin if self.ctx is not None else None

        def rename(value: Any) -> Any:
            if isinstance(value, (dict, list)):
                raise WrongNodeKind("ScalarNode", "MappingNode" if isinstance(value, dict)
                                    else "SequenceNode")
            text = scalar_text(value)
            new = affix + text if is_prefix else text + affix
            if tracer is not None:
                tracer(res, (fs.path,), new, origin)
            return new

        try:
            apply_at(res.obj, fs.path, rename, fs.create)
        except PathError as e:
            raise ResourceError(f"considering field '{fs.path}' of object {res.cur_id}: "
                                f"{e.message}") from None


class PrefixSuffixTransformer:
    """The legacy combined kind: the prefix pass, then the suffix pass, same field specs."""

    def __init__(self, prefix: AffixTransformer, suffix: AffixTransformer):
        self.steps = (prefix, suffix)

    def transform(self, resmap: ResMap) -> None:
        for step in self.steps:
            step.transform(resmap)


def make_prefix(config: dict[str, Any], ctx: PluginContext) -> AffixTransformer:
    return AffixTransformer(_options(config, "prefix", "PrefixTransformer"), ctx)


def make_suffix(config: dict[str, Any], ctx: PluginContext) -> AffixTransformer:
    return AffixTransformer(_options(config, "suffix", "SuffixTransformer"), ctx)


def make_prefix_suffix(config: dict[str, Any], ctx: PluginContext) -> PrefixSuffixTransformer:
    return PrefixSuffixTransformer(make_prefix(config, ctx), make_suffix(config, ctx))
