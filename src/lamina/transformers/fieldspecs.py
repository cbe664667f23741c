"""Field specs: where in an object a transformer acts (the walker is in fieldwalk.py).

A field spec pairs a group/version/kind selector with a slash-separated path such as
`spec/template/spec/containers[]/image`. Kustomize keeps one list of them per transformer
family (namePrefix, commonLabels, nameReference, ...) in a "transformer config"; the
defaults live in `fieldspecs_defaults.yaml` and a kustomization may add more through
`configurations:` files or `crds:`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from typing import Any, Iterable, Mapping

from lamina.errors import KustomizationError
from lamina.model.resid import Gvk, ORDER_FIRST, ORDER_LAST

_FS_KEYS = ("group", "version", "kind", "path", "create")
_NBR_KEYS = ("group", "version", "kind", "fieldSpecs")


def fold_keys(d: Mapping[Any, Any], known: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """Match keys to `known` names ignoring case, as Go's JSON decoding does (Kustomize
    decodes these configs through JSON). Returns the values under their canonical names
    (a later spelling wins) and the keys that matched nothing."""
    canon = {k.lower(): k for k in known}
    out: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in d.items():
        name = canon.get(key.lower()) if isinstance(key, str) else None
        if name is None:
            unknown.append(str(key))
        else:
            out[name] = value
    return out, unknown

# Kustomize orders field specs by the kind rank it also uses for output, then by a
# "group_version_kind" string with placeholders for empty parts.
_KIND_RANK: dict[str, int] = {k: i - len(ORDER_FIRST) for i, k in enumerate(ORDER_FIRST)}
_KIND_RANK.update({k: 1 + i for i, k in enumerate(ORDER_LAST)})


def _gvk_sort_key(group: str, version: str, kind: str) -> tuple[int, str]:
    return (_KIND_RANK.get(kind, 0),
            "_".join((group or "~G", version or "~V", kind or "~K")))


def _selected(group: str, version: str, kind: str, sel_group: str, sel_version: str,
              sel_kind: str) -> bool:
    return ((not sel_group or group == sel_group)
            and (not sel_version or version == sel_version)
            and (not sel_kind or kind == sel_kind))


@dataclass(frozen=True, slots=True)
class FieldSpec:
    group: str = ""
    version: str = ""
    kind: str = ""
    path: str = ""
    create: bool = False

    @classmethod
    def from_dict(cls, d: Any, source: str = "", strict: bool = True) -> "FieldSpec":
        """Read one field spec in Kustomize's spelling. `configurations:` files are decoded
        strictly (unknown keys are errors); plugin configs are not (strict=False)."""
        if not isinstance(d, Mapping):
            raise KustomizationError(_where(source) + f"a field spec must be a map, got {d!r}")
        d, unknown = fold_keys(d, _FS_KEYS)
        if unknown and strict:
            raise KustomizationError(_where(source) + f'json: unknown field "{unknown[0]}"')
        vals: dict[str, Any] = {}
        for key in ("group", "version", "kind", "path"):
            v = d.get(key)
            if v is None:
                v = ""
            if not isinstance(v, str):
                raise KustomizationError(_where(source) + f"field spec {key!r} must be a string, got {v!r}")
            vals[key] = v
        create = d.get("create")
        if create is None:
            create = False
        if not isinstance(create, bool):
            raise KustomizationError(_where(source) + f"field spec 'create' must be true or false, got {create!r}")
        return cls(create=create, **vals)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("group", "version", "kind", "path"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.create:
            out["create"] = True
        return out

    def matches(self, gvk: Gvk) -> bool:
        """Empty selector parts match anything."""
        return _selected(gvk.group, gvk.version, gvk.kind, self.group, self.version, self.kind)

    def matches_obj(self, obj: Mapping[str, Any]) -> bool:
        """Same test on a raw object, reading kind and apiVersion the way Kustomize does."""
        kind = obj.get("kind")
        api = obj.get("apiVersion")
        kind = kind if isinstance(kind, str) else ""
        api = api if isinstance(api, str) else ""
        g, sep, v = api.partition("/")
        if not sep:
            g, v = "", api
        return _selected(g, v, kind, self.group, self.version, self.kind)

    def sort_key(self) -> tuple[int, str]:
        return _gvk_sort_key(self.group, self.version, self.kind)

    def __str__(self) -> str:
        gvk = Gvk(self.group, self.version, self.kind)
        return f"{gvk}:{str(self.create).lower()}:{self.path}"


def _where(source: str) -> str:
    return f"{source}: " if source else ""


def merge_fs(base: tuple[FieldSpec, ...], incoming: Iterable[FieldSpec]) -> tuple[FieldSpec, ...]:
    """Add incoming specs not already present. A present spec is one with the same path whose
    gvk the incoming selector covers; if the two disagree on `create`, that is a conflict."""
    out = list(base)
    for fs in incoming:
        for have in out:
            if have.path == fs.path and _selected(have.group, have.version, have.kind,
                                                  fs.group, fs.version, fs.kind):
                if have.create != fs.create:
                    raise KustomizationError("conflicting fieldspecs")
                break
        else:
            out.append(fs)
    return tuple(out)


def _sorted(specs: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(specs, key=lambda s: s.sort_key()))


@dataclass(frozen=True, slots=True)
class NameBackReference:
    """The places (field_specs) where objects of one kind (the referral) are named."""

    group: str = ""
    version: str = ""
    kind: str = ""
    field_specs: tuple[FieldSpec, ...] = ()

    @property
    def gvk(self) -> Gvk:
        return Gvk(self.group, self.version, self.kind)

    def sort_key(self) -> tuple[int, str]:
        return _gvk_sort_key(self.group, self.version, self.kind)

    @classmethod
    def from_dict(cls, d: Any, source: str = "") -> "NameBackReference":
        if not isinstance(d, Mapping):
            raise KustomizationError(_where(source) + f"a nameReference entry must be a map, got {d!r}")
        d, unknown = fold_keys(d, _NBR_KEYS)
        if unknown:
            raise KustomizationError(_where(source) + f'json: unknown field "{unknown[0]}"')
        vals = {}
        for key in ("group", "version", "kind"):
            v = d.get(key) or ""
            if not isinstance(v, str):
                raise KustomizationError(_where(source) + f"nameReference {key!r} must be a string, got {v!r}")
            vals[key] = v
        specs = d.get("fieldSpecs") or []
        if not isinstance(specs, list):
            raise KustomizationError(_where(source) + "nameReference fieldSpecs must be a list")
        return cls(field_specs=tuple(FieldSpec.from_dict(s, source) for s in specs), **vals)


def merge_nbr(base: tuple[NameBackReference, ...],
              incoming: Iterable[NameBackReference]) -> tuple[NameBackReference, ...]:
    """Merge per referral gvk (exact match); new referral kinds are appended."""
    out = list(base)
    for nbr in incoming:
        found = False
        for i, have in enumerate(out):
            if (have.group, have.version, have.kind) == (nbr.group, nbr.version, nbr.kind):
                out[i] = replace(have, field_specs=merge_fs(have.field_specs, nbr.field_specs))
                found = True
        if not found:
            out.append(nbr)
    return tuple(out)


# Kustomize's spelling of each family -> our attribute name.
FAMILIES: Mapping[str, str] = {
    "namePrefix": "name_prefix",
    "nameSuffix": "name_suffix",
    "namespace": "namespace",
    "commonLabels": "common_labels",
    "labels": "labels",
    "templateLabels": "template_labels",
    "commonAnnotations": "common_annotations",
    "nameReference": "name_reference",
    "varReference": "var_reference",
    "images": "images",
    "replicas": "replicas",
}


@dataclass(frozen=True, slots=True)
class TransformerConfig:
    """The field-spec lists of every transformer family, as Kustomize's builtinconfig has them."""

    name_prefix: tuple[FieldSpec, ...] = ()
    name_suffix: tuple[FieldSpec, ...] = ()
    namespace: tuple[FieldSpec, ...] = ()
    common_labels: tuple[FieldSpec, ...] = ()
    labels: tuple[FieldSpec, ...] = ()
    template_labels: tuple[FieldSpec, ...] = ()
    common_annotations: tuple[FieldSpec, ...] = ()
    name_reference: tuple[NameBackReference, ...] = ()
    var_reference: tuple[FieldSpec, ...] = ()
    images: tuple[FieldSpec, ...] = ()
    replicas: tuple[FieldSpec, ...] = ()

    def family(self, name: str) -> tuple[Any, ...]:
        """Look a family up by Kustomize's spelling (`commonLabels`) or ours (`common_labels`)."""
        return getattr(self, FAMILIES.get(name, name))

    def merge(self, other: "TransformerConfig | None") -> "TransformerConfig":
        """Kustomize's TransformerConfig.Merge: union per family (duplicates collapse,
        conflicting `create` is an error), then each family sorted by gvk.

        Every kustomization of a build merges the same few configs (the defaults, a base's
        result into its overlay's), so results are remembered by the identity of the two
        configs (both are kept alive with the result, so an id is never reused)."""
        if other is None:
            return self
        key = (id(self), id(other))
        hit = _MERGED.get(key)
        if hit is not None:
            return hit[2]
        merged = self._merge(other)
        if merged == self:
            merged = self        # keep the identity, so the next merge with it is remembered
        if len(_MERGED) >= 256:
            _MERGED.clear()
        _MERGED[key] = (self, other, merged)
        return merged

    def _merge(self, other: "TransformerConfig") -> "TransformerConfig":
        vals: dict[str, Any] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            merged: tuple[NameBackReference, ...] | tuple[FieldSpec, ...]
            try:
                if f.name == "name_reference":
                    merged = merge_nbr(mine, theirs)
                else:
                    merged = merge_fs(mine, theirs)
            except KustomizationError as e:
                label = next(k for k, v in FAMILIES.items() if v == f.name)
                label = label[0].upper() + label[1:]
                if label == "Namespace":
                    label = "NameSpace"
                raise KustomizationError(f"failed to merge {label} fieldSpec: {e.message}") from None
            vals[f.name] = _sorted(merged)
        return TransformerConfig(**vals)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, attr in FAMILIES.items():
            specs = getattr(self, attr)
            if not specs:
                continue
            if attr == "name_reference":
                out[key] = [{**{k: getattr(n, k) for k in ("group", "version", "kind") if getattr(n, k)},
                             "fieldSpecs": [fs.to_dict() for fs in n.field_specs]} for n in specs]
            else:
                out[key] = [fs.to_dict() for fs in specs]
        return out


# (id(a), id(b)) -> (a, b, a.merge(b)); see TransformerConfig.merge.
_MERGED: dict[tuple[int, int], tuple[TransformerConfig, TransformerConfig, TransformerConfig]] = {}

# The config with no field specs, shared so that merging with it is remembered.
EMPTY_CONFIG = TransformerConfig()


def load_config(doc: Any, source: str) -> TransformerConfig:
    """Read one `configurations:` file (already parsed). Unknown families or malformed specs
    are errors naming `source`, as Kustomize decodes these files strictly."""
    if doc is None:
        return TransformerConfig()
    if not isinstance(doc, Mapping):
        raise KustomizationError(f"{source}: a transformer configuration must be a map, got {type(doc).__name__}")
    vals: dict[str, Any] = {}
    doc, unknown = fold_keys(doc, FAMILIES)
    if unknown:
        raise KustomizationError(f'{source}: json: unknown field "{unknown[0]}"')
    for key, value in doc.items():
        attr = FAMILIES[key]
        if value is None:
            continue
        if not isinstance(value, list):
            raise KustomizationError(f"{source}: {key} must be a list, got {type(value).__name__}")
        if attr == "name_reference":
            vals[attr] = _sorted(NameBackReference.from_dict(v, source) for v in value)
        else:
            vals[attr] = _sorted(FieldSpec.from_dict(v, source) for v in value)
    return TransformerConfig(**vals)


@functools.lru_cache(maxsize=1)
def default_config() -> TransformerConfig:
    """Kustomize's built-in field specs (api/konfig/builtinpluginconsts), read once.

    They are read from fieldspecs_defaults.py, fieldspecs_defaults.yaml already parsed:
    parsing the YAML would cost every build a few milliseconds of start-up."""
    from lamina.transformers.fieldspecs_defaults import DEFAULTS
    return load_config(DEFAULTS, "fieldspecs_defaults.yaml")
