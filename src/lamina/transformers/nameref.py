"""Name-reference repair: after renames, make every referring field name the renamed object.

Kustomize runs this once per build, at the top kustomization, after the hash suffixes are
added and before vars are resolved (KustTarget.makeCustomizedResMap ->
ResAccumulator.FixBackReferences). It follows api/internal/accumulator/
namereferencetransformer.go and api/filters/nameref:

- a *referrer* is any resource whose original gvk a nameReference field spec selects; the
  value found at that path (a name string, a list of names, or a map with `name` and maybe
  `namespace`) is an old name of a *referral* of the entry's kind;
- the referral is chosen among the resources the referrer could see (same namespace,
  cluster-scoped ones, and for a RoleBinding the namespaces of its ServiceAccount
  subjects), narrowed by: a previous name equal to the value, a previous id of the right
  kind (for `roleRef/name`, the kind and apiGroup in roleRef), and the referrer's current
  namespace; then, if still ambiguous, by having the same trailing prefixes/suffixes as
  the referrer;
- several candidates that all carry the same name are fine; otherwise the build fails.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from lamina.errors import LaminaError, ResourceError
from lamina.model.resid import Gvk
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.fieldspecs import FieldSpec, NameBackReference, TransformerConfig
from lamina.transformers.fieldwalk import apply_at
from lamina.transformers.prefix_suffix import scalar_text

_NOT_A_NAMESPACE = "_non_namespaceable_"


def fix_name_references(resmap: ResMap, config: TransformerConfig) -> None:
    """Rewrite, in place, every name reference in `resmap` described by
    `config.name_reference`, so it names the referral's current name (and namespace)."""
    backrefs = config.name_reference
    if not backrefs:
        return
    resources = resmap.resources()
    scopes: dict[tuple, _Scope] = {}
    for res, jobs in _plan(resources, backrefs):
        key = _scope_key(res)
        scope = scopes.get(key)
        if scope is None:
            scope = scopes[key] = _Scope(_visible_to(resources, res))
        for fs, target in jobs:
            _NameRefFix(res, fs, target, scope).run()


def _plan(resources: list[Resource], backrefs: Iterable[NameBackReference]
          ) -> list[tuple[Resource, list[tuple[FieldSpec, Gvk]]]]:
    """Which (field spec, referral gvk) pairs apply to which referrer, selected by the
    referrer's original gvk. Kustomize keeps these in a map (random order); we keep the
    resource order so errors are reproducible."""
    by_kind: dict[str, list[tuple[int, FieldSpec, Gvk]]] = {}
    order = 0
    for br in backrefs:
        for fs in br.field_specs:
            by_kind.setdefault(fs.kind, []).append((order, fs, br.gvk))
            order += 1
    wildcard = by_kind.get("", [])
    plan = []
    for res in resources:
        gvk = res.org_id.gvk
        specs = by_kind.get(gvk.kind, []) + wildcard if gvk.kind else wildcard
        jobs = [(o, fs, target) for o, fs, target in specs
                if gvk.is_selected_by(Gvk(fs.group, fs.version, fs.kind))]
        if jobs:
            jobs.sort(key=lambda j: j[0])
            plan.append((res, [(fs, target) for _, fs, target in jobs]))
    return plan


def _scope_key(referrer: Resource) -> tuple:
    rid = referrer.cur_id
    if rid.gvk.is_cluster_scoped:
        return ("*",)
    return (rid.effective_namespace, frozenset(_role_binding_namespaces(referrer)))


class _Scope:
    """The resources a group of referrers can see, indexed by their previous names."""

    def __init__(self, visible: list[Resource]):
        self.by_previous_name: dict[str, list[Resource]] = {}
        self.org_namespaces: set[str] = set()
        for r in visible:
            for name in dict.fromkeys(i.name for i in r.previous_ids):
                self.by_previous_name.setdefault(name, []).append(r)
            self.org_namespaces.add(r.org_id.effective_namespace)
        self.org_namespaces.discard(_NOT_A_NAMESPACE)


def _visible_to(resources: list[Resource], referrer: Resource) -> list[Resource]:
    """Kustomize's SubsetThatCouldBeReferencedByResource."""
    rid = referrer.cur_id
    if rid.gvk.is_cluster_scoped:
        return resources
    rb_namespaces = _role_binding_namespaces(referrer)
    out = []
    for r in resources:
        cid = r.cur_id
        if cid.gvk.is_cluster_scoped or cid.effective_namespace == rid.effective_namespace:
            out.append(r)
        elif r.namespace in rb_namespaces:
            out.append(r)
    return out


def _role_binding_namespaces(res: Resource) -> set[str]:
    """Namespaces of a RoleBinding's ServiceAccount subjects: it may name objects there."""
    if res.kind != "RoleBinding":
        return set()
    subjects = res.obj.get("subjects")
    if not isinstance(subjects, list):
        return set()
    out = set()
    for s in subjects:
        if not isinstance(s, dict) or "namespace" not in s or s.get("kind") != "ServiceAccount":
            continue
        ns = s["namespace"]
        if not isinstance(ns, str):
            raise ResourceError(f'Invalid Input: namespace is blank for resource "{res.cur_id}"')
        out.add(ns)
    return out


class _NameRefFix:
    """One field spec of one referrer: find the value(s) and rewrite them."""

    def __init__(self, referrer: Resource, fs: FieldSpec, target: Gvk, scope: "_Scope"):
        self.referrer = referrer
        self.fs = fs
        self.target = target
        self.scope = scope

    def run(self) -> None:
        try:
            apply_at(self.referrer.obj, self.fs.path, self._set, False)
        except LaminaError as e:
            rid = self.referrer.cur_id
            raise ResourceError(
                f"updating name reference in '{self.fs.path}' field of '{rid}': "
                f"considering field '{self.fs.path}' of object {rid}: {e.message}") from None

    # ---- values ----------------------------------------------------------------------
    def _set(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            self._set_mapping(value)
            return value
        if isinstance(value, list):
            for i, elem in enumerate(value):
                if elem is None:
                    continue
                if isinstance(elem, dict):
                    self._set_mapping(elem)
                elif isinstance(elem, list):
                    raise self._error(f"{elem!r} is expected to be either a string or a map of string")
                else:
                    value[i] = self._set_scalar(elem)
            return value
        return self._set_scalar(value)

    def _set_scalar(self, value: Any) -> Any:
        old = scalar_text(value)
        referral = self._select(old, self.scope.by_previous_name.get(old, []), _same_names)
        if referral is None:
            return value
        referral.ref_by.append(self.referrer.cur_id)
        if referral.name == old:
            return value
        return referral.name

    def _set_mapping(self, node: dict[str, Any]) -> None:
        if "name" not in node:
            raise self._error("path config error; no 'name' field in node")
        old = scalar_text(node["name"])
        candidates = self._by_namespace(node, self.scope.by_previous_name.get(old, []))
        referral = self._select(old, candidates, _same_names_and_namespaces)
        if referral is None:
            return
        referral.ref_by.append(self.referrer.cur_id)
        if referral.name == old and not referral.namespace:
            return
        node["name"] = referral.name
        if referral.namespace:
            node["namespace"] = referral.namespace

    def _by_namespace(self, node: dict[str, Any], candidates: list[Resource]) -> list[Resource]:
        """A map reference with a `namespace` looks among resources declared in that
        namespace if any visible one was, else among those now in it."""
        if "namespace" not in node:
            return candidates
        ns = scalar_text(node["namespace"])
        if ns in self.scope.org_namespaces:
            return [r for r in candidates if r.org_id.effective_namespace == ns]
        return [r for r in candidates if r.cur_id.effective_namespace == ns != _NOT_A_NAMESPACE]

    # ---- choosing the referral -------------------------------------------------------
    def _select(self, old: str, candidates: list[Resource],
                identical: Callable[[list[Resource]], bool]) -> Resource | None:
        # `candidates` already carry `old` among their previous names.
        c = [r for r in candidates if any(i.gvk.is_selected_by(self.target) for i in r.previous_ids)]
        role_gvk = self._role_ref_gvk()
        if role_gvk is not None:
            c = [r for r in c if any(i.gvk.is_selected_by(role_gvk) for i in r.previous_ids)]
        c = [r for r in c if self._same_namespace(r)]
        if len(c) == 1:
            return c[0]
        c = [r for r in c if _affixes_match(r, self.referrer, allow_empty=True)]
        if len(c) > 1:
            c = [r for r in c if _affixes_match(r, self.referrer, allow_empty=False)]
        if len(c) == 1:
            return c[0]
        if not c:
            return None
        if identical(c):
            return c[0]
        raise self._error(self._ambiguity(c))

    def _role_ref_gvk(self) -> Gvk | None:
        if not self.fs.path.endswith("roleRef/name"):
            return None
        ref = self.referrer.obj.get("roleRef")
        if not isinstance(ref, dict) or ref.get("apiGroup") is None or ref.get("kind") is None:
            return None
        return Gvk(group=scalar_text(ref.get("apiGroup")), kind=scalar_text(ref.get("kind")))

    def _same_namespace(self, r: Resource) -> bool:
        rid = self.referrer.cur_id
        if rid.gvk.is_cluster_scoped:
            return True
        cid = r.cur_id
        if cid.gvk.is_cluster_scoped or r.kind == "ServiceAccount":
            return True
        return cid.effective_namespace == rid.effective_namespace

    def _ambiguity(self, candidates: list[Resource]) -> str:
        from lamina.yaml import dump
        ids = ", ".join(str(r.cur_id) for r in candidates)
        parts = [f"found multiple possible referrals: {ids}\n",
                 f"\n**** Too many possible referral targets to referrer:\n{dump(self.referrer.obj)}\n"]
        for i, r in enumerate(candidates):
            parts.append(f"--- possible referral {i}:\n{dump(r.obj)}\n")
        return "".join(parts)

    def _error(self, msg: str) -> ResourceError:
        return ResourceError(msg)   # run() adds which field of which referrer


def _same_names(rs: list[Resource]) -> bool:
    return all(r.name == rs[0].name for r in rs)


def _same_names_and_namespaces(rs: list[Resource]) -> bool:
    return all(r.name == rs[0].name and r.namespace == rs[0].namespace for r in rs)


def same_ending(a: list[str], b: list[str]) -> bool:
    """True when the shorter list is the tail of the longer; an empty list matches only
    another empty one."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return not long_
    return long_[len(long_) - len(short):] == short


def _affixes_match(r: Resource, referrer: Resource, allow_empty: bool) -> bool:
    if allow_empty:
        return ((not r.prefixes or not referrer.prefixes or same_ending(r.prefixes, referrer.prefixes))
                and (not r.suffixes or not referrer.suffixes or same_ending(r.suffixes, referrer.suffixes)))
    return same_ending(r.prefixes, referrer.prefixes) and same_ending(r.suffixes, referrer.suffixes)

