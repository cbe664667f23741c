"""NamespaceTransformer: move every namespaced resource into one namespace.

Follows Kustomize's api/filters/namespace and builtins/NamespaceTransformer:
- `metadata.namespace` is set on every resource the bundled schema does not know to be
  cluster scoped (whatever the field specs say about that path);
- `metadata/name` specs apply only to apiVersion `v1` (so a `Namespace` of some other API
  group keeps its name);
- RoleBinding / ClusterRoleBinding subjects are handled by `setRoleBindingSubjects`
  (defaultOnly: subjects named `default`; allServiceAccounts: every ServiceAccount
  subject; none) instead of by field specs;
- every resource remembers its id first, so name references can follow the move.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext, Tracer
from lamina.transformers.fieldspecs import FieldSpec, fold_keys
from lamina.transformers.fieldwalk import PathError, WrongNodeKind, apply_at

HELM_GENERATED = "kustomize.config.k8s.io/helm-generated"
_ROLE_BINDINGS = ("RoleBinding", "ClusterRoleBinding")
_MODES = ("defaultOnly", "allServiceAccounts", "none")


@dataclass(frozen=True, slots=True)
class NamespaceOptions:
    namespace: str
    field_specs: tuple[FieldSpec, ...]
    unset_only: bool = False
    role_binding_subjects: str = "defaultOnly"


def parse_options(config: Mapping[str, Any]) -> NamespaceOptions:
    # Kustomize decodes this through JSON: keys match ignoring case, unknown ones are ignored.
    config, _ = fold_keys(config, ("metadata", "fieldSpecs", "unsetOnly", "setRoleBindingSubjects"))
    md = config.get("metadata")
    md = fold_keys(md, ("namespace",))[0] if isinstance(md, Mapping) else None
    ns = md.get("namespace") if md is not None else None
    if ns is not None and not isinstance(ns, str):
        raise KustomizationError(f"NamespaceTransformer: namespace must be a string, got {ns!r}")
    specs = config.get("fieldSpecs") or []
    if not isinstance(specs, list):
        raise KustomizationError("NamespaceTransformer: fieldSpecs must be a list")
    mode = config.get("setRoleBindingSubjects") or "defaultOnly"
    if mode not in _MODES:
        raise KustomizationError(
            f'invalid value "{mode}" for setRoleBindingSubjects: must be one of '
            f'"defaultOnly", "none" or "allServiceAccounts"')
    unset_only = config.get("unsetOnly") or False
    if not isinstance(unset_only, bool):
        raise KustomizationError(f"NamespaceTransformer: unsetOnly must be true or false, got {unset_only!r}")
    return NamespaceOptions(ns or "", tuple(FieldSpec.from_dict(s, strict=False) for s in specs),
                            unset_only, mode)


class NamespaceTransformer:
    def __init__(self, opts: NamespaceOptions, ctx: PluginContext | None = None):
        self.opts = opts
        self.ctx = ctx

    def transform(self, resmap: ResMap) -> None:
        if not self.opts.namespace:
            return
        moved = []
        for res in resmap:
            if not res.obj:
                continue
            if res.annotations().get(HELM_GENERATED) == "true":
                continue
            res.remember_id()
            self._apply(res)
            moved.append(res)
        # Kustomize checks after each resource that its new id is unique; every clash it
        # finds that way is still there at the end, so one counting pass finds the same.
        counts = Counter(r.cur_id.key() for r in resmap)
        for res in moved:
            if counts[res.cur_id.key()] != 1:
                raise ResourceError(f"namespace transformation produces ID conflict: {res.cur_id}")

    # ---- one resource ----------------------------------------------------------------
    def _set(self, res: Resource, where: str) -> Callable[[Any], Any]:
        ns, unset_only, tracer = self.opts.namespace, self.opts.unset_only, self._tracer()

        def setter(value: Any) -> Any:
            if isinstance(value, (dict, list)):
                raise WrongNodeKind("ScalarNode", "MappingNode" if isinstance(value, dict)
                                    else "SequenceNode")
            if unset_only and value not in (None, ""):
                return value
            if tracer is not None:
                tracer(res, (where,), ns, self.ctx.origin if self.ctx else None)
            return ns
        return setter

    def _tracer(self) -> Tracer | None:
        return self.ctx.tracer if self.ctx is not None else None

    def _apply(self, res: Resource) -> None:
        obj = res.obj
        api_version = res.api_version
        specs = [fs for fs in self.opts.field_specs
                 if fs.path != "metadata/namespace"
                 and not (api_version != "v1" and fs.path == "metadata/name")]
        if not res.gvk.is_cluster_scoped:
            md = obj.get("metadata")
            if md is None or isinstance(md, dict):
                apply_at(obj, "metadata/namespace", self._set(res, "metadata/namespace"), True)
        if res.kind in _ROLE_BINDINGS:
            specs = [fs for fs in specs
                     if not (fs.kind in _ROLE_BINDINGS and fs.path == "subjects/namespace")]
            self._subjects(res)
        for fs in specs:
            if not fs.matches_obj(obj):
                continue
            try:
                apply_at(obj, fs.path, self._set(res, fs.path), fs.create)
            except PathError as e:
                prefix = ("namespace field specs must target scalar nodes: "
                          if isinstance(e, WrongNodeKind) else "namespace transformation failed: ")
                raise ResourceError(f"{prefix}considering field '{fs.path}' of object "
                                    f"{res.cur_id}: {e.message}") from None

    def _subjects(self, res: Resource) -> None:
        mode = self.opts.role_binding_subjects
        if mode == "none":
            return
        subjects = res.obj.get("subjects")
        if subjects is None:
            return
        if not isinstance(subjects, list):
            raise ResourceError(f"setting namespace on (cluster)role binding subjects of "
                                f"{res.cur_id}: subjects must be a list")
        key, wanted = ("name", "default") if mode == "defaultOnly" else ("kind", "ServiceAccount")
        for i, subject in enumerate(subjects):
            if not isinstance(subject, dict) or subject.get(key) != wanted:
                continue
            setter = self._set(res, f"subjects[{i}]/namespace")
            subject["namespace"] = setter(subject.get("namespace"))


def make(config: dict[str, Any], ctx: PluginContext) -> NamespaceTransformer:
    return NamespaceTransformer(parse_options(config), ctx)
