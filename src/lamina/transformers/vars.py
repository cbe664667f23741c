"""Kustomize's legacy `vars:`: `$(NAME)` in chosen fields, filled from other resources.

How Kustomize does it, and so how lamina does it:

1. When a kustomization has finished its own transformers, each of its vars is matched
   against the resources accumulated so far (by any id a resource has had; by group,
   version, kind and name, or also by namespace when the var names one or the kind is
   cluster scoped). More than one match is an error; the one match remembers the var's
   name (Resource.ref_var_names); no match is only an error at resolve time. The var
   then joins the set, where a name declared twice is an error (`VarSet.add`).
2. A base's set is merged into the set of the kustomization that includes it, with the
   same duplicate-name error (`VarSet.merge`). Components add to the includer's set.
3. Once, at the very end of the top build (after name suffix hashes and name-reference
   fixing), every var is looked up in the resource that remembered it, and `$(NAME)` is
   expanded in every field the `varReference` field specs name (`resolve_vars`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from lamina.errors import KustomizationError, LaminaError, ResourceError
from lamina.model.resid import Gvk, ResId, split_api_version
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import fieldpath
from lamina.transformers.vars_expand import expand

DEFAULT_FIELD_PATH = "metadata.name"


@dataclass(frozen=True)
class Var:
    name: str
    gvk: Gvk
    obj_name: str
    namespace: str
    field_path: str      # as written; '' means metadata.name
    source: str = ""     # the kustomization that declared it, for messages

    @property
    def effective_field_path(self) -> str:
        return self.field_path or DEFAULT_FIELD_PATH

    def target_id(self) -> ResId:
        return ResId(self.gvk, self.obj_name, self.namespace)

    def describe(self, defaulted: bool = True) -> str:
        """Go's `%v` of a types.Var: `{NAME Kind.version.group {fieldPath}}`."""
        path = self.effective_field_path if defaulted else self.field_path
        return "{" + f"{self.name} {self.gvk} {{{path}}}" + "}"


def _ci_get(d: dict[str, Any], key: str) -> Any:
    """Go's JSON decoding matches field names case-insensitively (`fieldpath` works)."""
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return None


def _text(d: dict[str, Any], key: str, where: str) -> str:
    v = _ci_get(d, key)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise KustomizationError(f"{where}: var field {key!r} must be a string, got {v!r}")
    return v


_VAR_KEYS = ("name", "objref", "fieldref")
_OBJREF_KEYS = ("apiVersion", "group", "version", "kind", "name", "namespace")
_FIELDREF_KEYS = ("fieldPath",)


def _refuse_unknown(d: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """Kustomize decodes the kustomization strictly (field names case-insensitively)."""
    lowered = {k.lower() for k in known}
    for key in d:
        if not isinstance(key, str) or key.lower() not in lowered:
            raise KustomizationError(f"{where}: invalid Kustomization: json: unknown field \"{key}\"")


def parse_var(d: Any, where: str) -> tuple[Var, str]:
    """A var from its kustomization entry; also returns its undefaulted `%v` form."""
    if not isinstance(d, dict):
        raise KustomizationError(f"{where}: a var must be a map, got {d!r}")
    _refuse_unknown(d, _VAR_KEYS, where)
    name = _text(d, "name", where)
    objref = _ci_get(d, "objref") or {}
    fieldref = _ci_get(d, "fieldref") or {}
    if not isinstance(objref, dict) or not isinstance(fieldref, dict):
        raise KustomizationError(f"{where}: var {name!r}: objref and fieldref must be maps")
    _refuse_unknown(objref, _OBJREF_KEYS, where)
    _refuse_unknown(fieldref, _FIELDREF_KEYS, where)
    group, version = _text(objref, "group", where), _text(objref, "version", where)
    raw_gvk = Gvk(group, version, _text(objref, "kind", where))
    api_version = _text(objref, "apiVersion", where)
    if api_version:
        pieces = api_version.split("/")
        if len(pieces) == 2:
            group, version = pieces
        elif len(pieces) == 1:
            version = pieces[0]
    var = Var(name, Gvk(group, version, raw_gvk.kind), _text(objref, "name", where),
              _text(objref, "namespace", where), _text(fieldref, "fieldPath", where), where)
    raw = "{" + f"{name} {raw_gvk} {{{var.field_path}}}" + "}"
    return var, raw


@dataclass
class VarSet:
    """Vars by name, in the order they were declared."""

    _vars: dict[str, Var] = field(default_factory=dict)
    # Names declared without the resources at hand; their resource is found at resolve time.
    _deferred: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self._vars)

    def names(self) -> list[str]:
        return sorted(self._vars)

    def get(self, name: str) -> Var | None:
        return self._vars.get(name)

    def add(self, vars: Iterable[Any], source: str, resmap: ResMap | None = None) -> None:
        """Declare one kustomization's vars (Kustomize's MergeVars).

        Pass `resmap`, the resources accumulated so far, so each var is tied to its
        resource now, as Kustomize does; without it the match is made at resolve time
        against the final resources, which can differ when overlays add look-alikes.
        """
        parsed = [parse_var(d, source) for d in (vars or [])]
        if not parsed:
            return
        listing = "[" + " ".join(raw for _, raw in parsed) + "]"
        try:
            if resmap is not None:
                for var, _ in parsed:
                    res = _match_one(resmap, var)
                    if res is not None:
                        res.ref_var_names.append(var.name)
            for var, _ in parsed:
                self._absorb(var)
        except LaminaError as e:
            raise KustomizationError(f"merging vars {listing}: {e.message}", e.source) from None
        for var, _ in parsed:
            if resmap is None:
                self._deferred.add(var.name)

    def merge(self, other: "VarSet") -> None:
        """Take in a base's vars; a name both sets declare is an error."""
        for var in other._vars.values():
            self._absorb(var)
            if var.name in other._deferred:
                self._deferred.add(var.name)

    def _absorb(self, var: Var) -> None:
        if var.name in self._vars:
            raise KustomizationError(f"var '{var.name}' already encountered")
        self._vars[var.name] = var


def _match_one(resources: Iterable[Resource], var: Var) -> Resource | None:
    target = var.target_id()
    exact = bool(target.namespace) or target.gvk.is_cluster_scoped
    found = []
    for res in resources:
        for rid in res.all_ids():
            if target.equals(rid) if exact else target.gvkn_equals(rid):
                found.append(res)
                break
    if len(found) > 1:
        raise ResourceError(
            f"found {len(found)} resId matches for var {var.describe()} (unable to disambiguate)")
    return found[0] if found else None


def var_values(resmap: ResMap, varset: VarSet) -> dict[str, Any]:
    """Each var's value, read from the resource it was tied to."""
    values: dict[str, Any] = {}
    for name in varset.names():
        var = varset.get(name)
        assert var is not None
        res = None
        if name in varset._deferred:
            res = _match_one(resmap, var)
        else:
            res = next((r for r in resmap if name in r.ref_var_names), None)
        if res is None:
            raise ResourceError(
                f"var '{var.describe()}' cannot be mapped to a field in the set of known resources")
        values[name] = _field_value(res, var)
    return values


def _field_value(res: Resource, var: Var) -> Any:
    parts = _convert_slice_index(fieldpath.split(var.effective_field_path))
    try:
        value = fieldpath.lookup(res.obj, parts)
    except fieldpath.FieldPathError:
        value = fieldpath.MISSING
    if value is fieldpath.MISSING:
        raise ResourceError(
            f"field specified in var '{var.describe()}' not found in corresponding resource")
    if value is None:
        # Kustomize hands over a null's text; lamina keeps no text for nulls and assumes
        # the explicit spelling (an empty `key:` would give "").
        return "null"
    return value


def _convert_slice_index(parts: list[str]) -> list[str]:
    """`ports[0]` means `ports.0` in a var's field path."""
    out: list[str] = []
    for p in parts:
        m = re.fullmatch(r"(.*)\[(\d+)\]", p) if p.endswith("]") else None
        if m is None:
            out.append(p)
            continue
        if m.group(1):
            out.append(m.group(1))
        out.append(m.group(2))
    return out


def resolve_vars(resmap: ResMap, varset: VarSet, config: Any) -> None:
    """Expand `$(NAME)` in every varReference field of every resource (Kustomize's
    ResolveVars). Nothing happens when no var is declared; unknown names stay as written."""
    if not len(varset):
        return
    values = var_values(resmap, varset)
    from lamina.transformers.fieldwalk import PathError, apply_at

    specs = tuple(config.var_reference) if config is not None else ()
    for res in resmap:
        for fs in specs:
            if not fs.matches_obj(res.obj):
                continue
            try:
                apply_at(res.obj, fs.path, lambda v: _expand_value(v, values), create=False)
            except (PathError, ResourceError) as e:
                raise ResourceError(
                    f"considering field '{fs.path}' of object {res.cur_id}: {e.message}") from None


def _expand_value(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return expand(value, values)
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ResourceError(f"invalid map key: value='{k}'")
            if isinstance(v, str):
                value[k] = expand(v, values)
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ResourceError("invalid value type expect a string")
            value[i] = expand(item, values)
        return value
    return value
