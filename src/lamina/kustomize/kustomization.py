"""The kustomization file: reading, field checking and Kustomize's legacy-field fix-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lamina.errors import KustomizationError, NotSupportedError, SourceRef
from lamina.yaml.gojson import json_type_name
from lamina.kustomize.loader import KUSTOMIZATION_FILE_NAMES, FileLoader

KUSTOMIZATION_VERSION = "kustomize.config.k8s.io/v1beta1"
COMPONENT_VERSION = "kustomize.config.k8s.io/v1alpha1"
LAMINA_VERSION = "lamina.dev/v1alpha1"
KIND_KUSTOMIZATION = "Kustomization"
KIND_COMPONENT = "Component"

# Field name -> the JSON shape Kustomize's Go struct expects. Go's JSON decoder matches
# field names case-insensitively and refuses unknown ones; lamina does the same.
_STR, _LIST, _MAP, _STRMAP, _STRLIST, _OBJ = "string", "list", "map", "strmap", "strlist", "object"
FIELDS: dict[str, str] = {
    "apiVersion": _STR, "kind": _STR, "metadata": _MAP, "openapi": _STRMAP,
    "namePrefix": _STR, "nameSuffix": _STR, "namespace": _STR,
    "commonLabels": _STRMAP, "labels": _LIST, "commonAnnotations": _STRMAP,
    "patchesStrategicMerge": _STRLIST, "patchesJson6902": _LIST, "patches": _LIST,
    "images": _LIST, "imageTags": _LIST, "replacements": _LIST, "replicas": _LIST,
    "vars": _LIST, "sortOptions": _MAP, "resources": _STRLIST, "components": _STRLIST,
    "crds": _STRLIST, "bases": _STRLIST, "configMapGenerator": _LIST,
    "secretGenerator": _LIST, "helmGlobals": _MAP, "helmCharts": _LIST,
    "helmChartInflationGenerator": _LIST, "generatorOptions": _MAP,
    "configurations": _STRLIST, "generators": _STRLIST, "transformers": _STRLIST,
    "validators": _STRLIST, "buildMetadata": _STRLIST,
}
_SELECTOR = {"group", "version", "kind", "name", "namespace", "labelSelector",
             "annotationSelector"}
_GEN_OPTIONS = {"labels", "annotations", "disableNameSuffixHash", "immutable"}
_GENERATOR = {"namespace", "name", "behavior", "literals", "files", "envs", "env", "options"}
# For list fields whose items are Go structs: the keys each item may have (nested maps by
# key). Go's strict decoder refuses unknown keys at every depth, so lamina does too.
ITEM_KEYS: dict[str, tuple[set[str], dict[str, set[str]]]] = {
    "labels": ({"pairs", "includeSelectors", "includeTemplates", "fields"}, {}),
    "images": ({"name", "newName", "tagSuffix", "newTag", "digest"}, {}),
    "replicas": ({"name", "count"}, {}),
    "patches": ({"path", "patch", "target", "options"}, {"target": _SELECTOR}),
    "patchesJson6902": ({"path", "patch", "target", "options"}, {"target": _SELECTOR}),
    "configMapGenerator": (_GENERATOR, {"options": _GEN_OPTIONS}),
    "secretGenerator": (_GENERATOR | {"type"}, {"options": _GEN_OPTIONS}),
    "replacements": ({"source", "targets", "sourceValue", "path"},
                     {"source": {"group", "version", "kind", "name", "namespace", "fieldPath",
                                 "options"},
                      "targets": {"select", "reject", "fieldPaths", "options"}}),
    # Kustomize v5.8.1's HelmChart struct (the oracle refuses any other key, e.g.
    # `repository:` or `valuesFiles:`, before Helm is ever run).
    "helmCharts": ({"name", "version", "repo", "releaseName", "namespace",
                    "additionalValuesFiles", "valuesFile", "valuesInline", "valuesMerge",
                    "includeCRDs", "skipHooks", "apiVersions", "kubeVersion", "nameTemplate",
                    "skipTests", "debug", "devel"}, {}),
}
MAP_KEYS: dict[str, set[str]] = {
    "generatorOptions": _GEN_OPTIONS,
    "sortOptions": {"order", "legacySortOptions"},
    "helmGlobals": {"chartHome", "configHome"},
}

# lamina's own fields, accepted only under apiVersion lamina.dev/v1alpha1.
LAMINA_FIELDS: dict[str, str] = {"values": _STRLIST, "valuesSchema": _STR}

_GO_TYPES = {_STR: "string", _LIST: "[]", _MAP: "map", _STRMAP: "map[string]string",
             _STRLIST: "[]string", _OBJ: "object"}


@dataclass
class Kustomization:
    """A checked kustomization: `data` holds canonical field names only."""

    data: dict[str, Any]
    path: str              # absolute path of the kustomization file
    file_name: str         # kustomization.yaml / kustomization.yml / Kustomization
    dialect: str = "kustomize"   # or "lamina"
    warnings: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.data.get("kind") or KIND_KUSTOMIZATION

    @property
    def is_component(self) -> bool:
        return self.kind == KIND_COMPONENT

    def get(self, name: str, default: Any = None) -> Any:
        value = self.data.get(name)
        return default if value is None else value

    def list(self, name: str) -> list[Any]:
        value = self.data.get(name)
        return list(value) if isinstance(value, list) else []


def find_kustomization_file(loader: FileLoader) -> tuple[str, str]:
    import os
    found = [n for n in KUSTOMIZATION_FILE_NAMES if os.path.isfile(os.path.join(loader.root, n))]
    if not found:
        names = [f"'{n}'" for n in KUSTOMIZATION_FILE_NAMES]
        raise KustomizationError(
            f"unable to find one of {', '.join(names[:-1])} or {names[-1]} in directory "
            f"'{loader.root}'")
    if len(found) > 1:
        raise KustomizationError(f"Found multiple kustomization files under: {loader.root}")
    return os.path.join(loader.root, found[0]), found[0]


def load_kustomization(loader: FileLoader) -> Kustomization:
    path, file_name = find_kustomization_file(loader)
    loader.record(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    display = loader.display(path)
    from lamina.yaml.encoding import NOT_TEXT, decode
    try:
        text = decode(raw)
    except UnicodeDecodeError:
        raise KustomizationError(f"kustomization file {NOT_TEXT}", SourceRef(display)) from None
    doc, line = _parse(text, display)
    if doc is None:
        raise KustomizationError("kustomization.yaml is empty", SourceRef(display))
    if not isinstance(doc, dict):
        raise KustomizationError(
            "invalid Kustomization: the file must hold a mapping of kustomization fields",
            SourceRef(display, line))
    dialect = "lamina" if doc.get("apiVersion") == LAMINA_VERSION else "kustomize"
    data = _canonical_fields(doc, _Where(display, text), dialect)
    k = Kustomization(data=data, path=path, file_name=file_name, dialect=dialect)
    _fix_legacy_fields(k)
    _check_empty(k, display)
    _enforce_kind_and_version(k, loader, display)
    return k


# An overlay of a few hundred services has a kustomization of thousands of lines, parsed
# again by every build; from this size on the parsed form is kept on disk (doc_cache).
_CACHE_FROM = 16 * 1024


def _parse(text: str, display: str) -> tuple[Any, int]:
    from lamina.yaml.kustfile import load_kustomization_text
    if len(text) < _CACHE_FROM:
        return load_kustomization_text(text, display)
    from lamina.yaml.doc_cache import cached_value
    # The result depends on the text alone; `display` only names the file in errors,
    # which are never cached.
    doc, line = cached_value("kustomization-1", text.encode("utf-8", "surrogatepass"),
                             lambda: list(load_kustomization_text(text, display)))
    return doc, line


class _Where:
    """Names the kustomization file in messages, and the line of a field when asked (the
    text is composed again only for a message: loading pays nothing)."""

    def __init__(self, display: str, text: str):
        self.display, self.text = display, text

    def ref(self, path: tuple[Any, ...] = ()) -> SourceRef:
        if path:
            from lamina.yaml.positions import text_position
            found = text_position(self.text, path)
            if found is not None:
                return SourceRef(self.display, *found)
        return SourceRef(self.display)

    def __str__(self) -> str:
        return self.display


def unknown_field(key: Any, allowed: Any, where: _Where, path: tuple[Any, ...],
                  context: str = "") -> KustomizationError:
    """Kustomize's `json: unknown field` error, at the field's line, with the closest valid
    field. Kustomize's own text stays on a second line, for people who search for it."""
    import difflib
    names = sorted(allowed)
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(str(key).lower(), list(lowered), n=1, cutoff=0.6)
    if not close:   # a longer spelling of a short field: `repository:` for `repo:`
        close = [n for n in lowered if len(n) >= 4 and str(key).lower().startswith(n)][:1]
    if str(key) in LAMINA_FIELDS:
        hint = f"'{key}' is a lamina field: set apiVersion: {LAMINA_VERSION} at the top of the file"
    elif close:
        hint = f'did you mean "{lowered[close[0]]}"?'
    else:
        hint = "valid fields: " + ", ".join(names)
    article = "an" if context[:1].lower() in "aeiou" and context else "a"
    inside = f"{article} {context} entry" if context else "the kustomization"
    return KustomizationError(
        f'unknown field "{key}" in {inside}; {hint}\n'
        f'  (kustomize: invalid Kustomization: json: unknown field "{key}")',
        where.ref(path + (key,)))


def _canonical_fields(doc: dict[str, Any], where: _Where, dialect: str) -> dict[str, Any]:
    known = dict(FIELDS)
    if dialect == "lamina":
        known.update(LAMINA_FIELDS)
    by_lower = {name.lower(): name for name in known}
    data: dict[str, Any] = {}
    for key, value in doc.items():
        if not isinstance(key, str):
            # go-yaml v2 reads `on:`/`yes:` keys as booleans, which JSON cannot hold.
            raise KustomizationError(
                f"invalid Kustomization: json: unsupported key {key!r}: quote the key",
                where.ref())
        name = key if key in known else by_lower.get(str(key).lower())
        if name is None:
            raise unknown_field(key, [k for k in known if k not in ("bases", "imageTags",
                                                                    "helmChartInflationGenerator")],
                                where, ())
        if value is None:
            continue
        _check_type(name, known[name], value, where, key)
        data[name] = _check_nested(name, value, where, key)
    return data


def _strict_keys(obj: dict[str, Any], allowed: set[str], where: _Where, path: tuple[Any, ...],
                 context: str) -> dict[str, Any]:
    by_lower = {a.lower(): a for a in allowed}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = key if key in allowed else by_lower.get(str(key).lower())
        if name is None:
            raise unknown_field(key, allowed, where, path, context)
        out[name] = value
    return out


def _check_nested(name: str, value: Any, where: _Where, key: str) -> Any:
    if name in MAP_KEYS and isinstance(value, dict):
        return _strict_keys(value, MAP_KEYS[name], where, (key,), name)
    if name not in ITEM_KEYS or not isinstance(value, list):
        return value
    allowed, nested = ITEM_KEYS[name]
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            items.append(item)
            continue
        item = _strict_keys(item, allowed, where, (key, i), name)
        if name in ("configMapGenerator", "secretGenerator") and \
                item.get("env") is not None and not isinstance(item["env"], str):
            written = next(k for k in value[i] if str(k).lower() == "env")
            got = json_type_name(item["env"])
            raise KustomizationError(
                f"env takes one file name, not {got}; did you mean \"envs\"?\n"
                f"  (kustomize: invalid Kustomization: json: cannot unmarshal {got} into Go "
                f"struct field {name}.env of type string)", where.ref((key, i, written)))
        for sub, sub_allowed in nested.items():
            if isinstance(item.get(sub), dict):
                written = next((k for k in value[i] if str(k).lower() == sub.lower()), sub)
                item[sub] = _strict_keys(item[sub], sub_allowed, where, (key, i, written),
                                         f"{name} {sub}")
            elif isinstance(item.get(sub), list):     # replacements' targets: each a struct
                written = next((k for k in value[i] if str(k).lower() == sub.lower()), sub)
                item[sub] = [_strict_keys(t, sub_allowed, where, (key, i, written, n),
                                          f"{name} {sub}") if isinstance(t, dict) else t
                             for n, t in enumerate(item[sub])]
        items.append(item)
    return items


def _check_type(name: str, shape: str, value: Any, where: _Where, key: str) -> None:
    ok = {
        _STR: lambda v: isinstance(v, str),
        _LIST: lambda v: isinstance(v, list),
        _MAP: lambda v: isinstance(v, dict),
        _STRMAP: lambda v: isinstance(v, dict) and all(
            isinstance(x, str) or x is None for x in v.values()),
        _STRLIST: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        _OBJ: lambda v: True,
    }[shape](value)
    if not ok and shape == _STRMAP and isinstance(value, dict):
        # One value of the map is wrong: name it, at its own line, as Go's decoder does.
        bad = next(k for k, x in value.items() if not (isinstance(x, str) or x is None))
        got = json_type_name(value[bad])
        raise KustomizationError(
            f"{name}.{bad} must be a string, not {got}: quote it, or write one value\n"
            f"  (kustomize: invalid Kustomization: json: cannot unmarshal {got} into Go struct "
            f"field Kustomization.{name} of type string)", where.ref((key, bad)))
    if not ok:
        want = {_STR: "a string", _LIST: "a list", _MAP: "a mapping", _STRMAP: "a mapping of strings",
                _STRLIST: "a list of strings", _OBJ: "a value"}[shape]
        raise KustomizationError(
            f"{name} must be {want}, not {json_type_name(value)}\n  (kustomize: invalid "
            f"Kustomization: json: cannot unmarshal {json_type_name(value)} into Go struct "
            f"field Kustomization.{name} of type {_GO_TYPES[shape]})", where.ref((key,)))


def _fix_legacy_fields(k: Kustomization) -> None:
    """Kustomize's FixKustomization: bases join resources, imageTags join images, env -> envs."""
    d = k.data
    if "bases" in d:
        d["resources"] = d.get("resources", []) + d.pop("bases")
    if "helmChartInflationGenerator" in d:
        # The legacy spelling: each entry holds a chart plus chartHome/configHome globals.
        for entry in d.pop("helmChartInflationGenerator"):
            if not isinstance(entry, dict):
                continue
            entry = dict(entry)
            home = {g: entry.pop(g) for g in ("chartHome", "configHome") if g in entry}
            if home and "helmGlobals" not in d:
                d["helmGlobals"] = home
            if "chartName" in entry:
                entry["name"] = entry.pop("chartName")
            d.setdefault("helmCharts", []).append(entry)
    if "imageTags" in d:
        d["images"] = d.get("images", []) + d.pop("imageTags")
    for gen in ("configMapGenerator", "secretGenerator"):
        for entry in d.get(gen, []):
            if isinstance(entry, dict) and entry.get("env"):
                entry["envs"] = list(entry.get("envs") or []) + [entry.pop("env")]


def _check_empty(k: Kustomization, display: str) -> None:
    if not any(name not in ("apiVersion", "kind") for name in k.data):
        raise KustomizationError("kustomization.yaml is empty", SourceRef(display))


def _enforce_kind_and_version(k: Kustomization, loader: FileLoader, display: str) -> None:
    kind = k.data.get("kind", "")
    api = k.data.get("apiVersion", "")
    errs = []
    if kind and kind not in (KIND_KUSTOMIZATION, KIND_COMPONENT):
        errs.append(f"kind should be {KIND_KUSTOMIZATION} or {KIND_COMPONENT}")
    required = COMPONENT_VERSION if kind == KIND_COMPONENT else KUSTOMIZATION_VERSION
    if api and api != required and api != LAMINA_VERSION:
        errs.append(f"apiVersion for {kind or KIND_KUSTOMIZATION} should be {required}")
    if errs:
        raise KustomizationError(
            f"Failed to read kustomization file under {loader.root}:\n" + "\n".join(errs),
            SourceRef(display))


