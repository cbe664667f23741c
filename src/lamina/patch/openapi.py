"""OpenAPI data for strategic merge: which lists merge, and by which keys.

Kustomize reads merge keys and strategies from an OpenAPI document. lamina takes the
builtin one from the newest `_definitions.json` bundled in kubernetes-validate, and lets a
kustomization add its own swagger document through the `openapi:` field, as Kustomize's
custom schema does. Definitions are looked up by name, so a custom document may refer to
builtin definitions it does not repeat (and replaces those it does).
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Callable, Mapping

from lamina.errors import KustomizationError, SourceRef
from lamina.model.files import FileLoader

# The only builtin version Kustomize v5.8.1 accepts in `openapi: {version: ...}`.
BUILTIN_VERSION = "v1.21.2"

MERGE_KEY = "x-kubernetes-patch-merge-key"
STRATEGY = "x-kubernetes-patch-strategy"
LIST_TYPE = "x-kubernetes-list-type"
LIST_MAP_KEYS = "x-kubernetes-list-map-keys"
_GVK = "x-kubernetes-group-version-kind"

Schema = Mapping[str, Any]


def _type_meta(ext: Any) -> tuple[str, str] | None:
    if not isinstance(ext, dict) or not isinstance(ext.get("kind"), str):
        return None
    version = str(ext.get("version") or "")
    group = ext.get("group")
    api_version = f"{group}/{version}" if isinstance(group, str) and group else version
    return api_version, ext["kind"]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class SchemaIndex:
    """Read-only lookups into one set of OpenAPI definitions.

    Schema nodes are the definition dicts themselves, with `$ref` already followed, so
    callers walk them with `field()` and `elements()` and read extensions with `meta()`.
    """

    def __init__(self, definitions: Mapping[str, Schema] | Callable[[], Mapping[str, Schema]],
                 namespaced: Mapping[tuple[str, str], bool] | None = None):
        # A callable is only called on first use: reading the builtin definitions costs
        # about 15 ms, and most builds never consult a schema.
        self._source = definitions
        self._namespaced = dict(namespaced or {})

    @functools.cached_property
    def _defs(self) -> Mapping[str, Schema]:
        return self._source() if callable(self._source) else self._source

    @functools.cached_property
    def _by_type(self) -> dict[tuple[str, str], Schema]:
        by_type: dict[tuple[str, str], Schema] = {}
        for d in self._defs.values():
            exts = d.get(_GVK) if isinstance(d, dict) else None
            for ext in exts if isinstance(exts, list) else ():
                tm = _type_meta(ext)
                if tm is not None:
                    by_type[tm] = d
        return by_type

    # ---- navigation ----------------------------------------------------------
    def _resolve(self, node: Any) -> Schema | None:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = self._defs.get(_ref_name(node["$ref"]))
            seen += 1
            if seen > 64:   # a reference cycle: treat as unknown
                return None
        return node if isinstance(node, dict) else None

    def root(self, api_version: str, kind: str) -> Schema | None:
        """The schema of a whole resource, or None for kinds the data does not know."""
        return self._by_type.get((api_version, kind))

    def field(self, node: Schema | None, name: str) -> Schema | None:
        """A property's schema; falls back to additionalProperties as Kustomize does."""
        if node is None:
            return None
        props = node.get("properties")
        if isinstance(props, dict) and name in props:
            return self._resolve(props[name])
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return self._resolve(extra)
        return None

    def elements(self, node: Schema | None) -> Schema | None:
        """The item schema of an array schema; None when the node is not an array."""
        if node is None:
            return None
        types = node.get("type")
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or "array" not in types:
            return None
        return self._resolve(node.get("items"))

    def lookup(self, api_version: str, kind: str, path: tuple[str, ...]) -> Schema | None:
        """Walk a field path; list levels are crossed automatically (no '[]' needed)."""
        node = self.root(api_version, kind)
        for part in path:
            if node is None:
                return None
            inner = self.elements(node)
            if inner is not None:
                node = inner
            node = self.field(node, part)
        return node

    # ---- strategic merge metadata ---------------------------------------------
    @staticmethod
    def meta(node: Schema | None) -> dict[str, Any]:
        """The strategic-merge extensions present on a schema node."""
        if node is None:
            return {}
        return {k: node[k] for k in (MERGE_KEY, STRATEGY, LIST_TYPE, LIST_MAP_KEYS) if k in node}

    def patch_meta(self, api_version: str, kind: str, path: tuple[str, ...]) -> dict[str, Any]:
        return self.meta(self.lookup(api_version, kind, path))

    @staticmethod
    def strategy_and_keys(node: Schema | None) -> tuple[str, list[str]]:
        """Kustomize's rule: no strategy means no keys; list-map-keys win over the merge key."""
        if node is None or not isinstance(node.get(STRATEGY), str):
            return "", []
        keys = node.get(LIST_MAP_KEYS)
        if isinstance(keys, list):
            return node[STRATEGY], [str(k) for k in keys]
        key = node.get(MERGE_KEY)
        return node[STRATEGY], [key] if isinstance(key, str) else []

    @classmethod
    def merges_list(cls, node: Schema | None) -> bool:
        """A list merges element by element only when its strategy includes 'merge'."""
        strategy, _ = cls.strategy_and_keys(node)
        return "merge" in strategy.split(",")

    # ---- scope ------------------------------------------------------------------
    def is_namespaced(self, api_version: str, kind: str) -> bool | None:
        """Scope declared by a custom document's `paths`; None when it says nothing."""
        return self._namespaced.get((api_version, kind))

    def with_definitions(self, definitions: Mapping[str, Schema],
                         namespaced: Mapping[tuple[str, str], bool]) -> "SchemaIndex":
        merged = dict(self._defs)
        merged.update(definitions)
        scopes = dict(self._namespaced)
        scopes.update(namespaced)
        return SchemaIndex(merged, scopes)


# ---------------------------------------------------------------------------
# The builtin data.
# ---------------------------------------------------------------------------

def _schema_dirs() -> list[str]:
    # Only the package's data folder is needed: importing kubernetes_validate would pull in
    # jsonschema and cost every `lamina build` about 40 ms of start-up.
    from importlib.util import find_spec
    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise KustomizationError("kubernetes-validate is not installed (lamina needs its schemas)")
    base = os.path.join(spec.submodule_search_locations[0], "kubernetes-json-schema")
    found = []
    for name in os.listdir(base):
        m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-local", name)
        if m and os.path.exists(os.path.join(base, name, "_definitions.json")):
            found.append(((int(m[1]), int(m[2]), int(m[3])), os.path.join(base, name)))
    return [d for _, d in sorted(found)]


@functools.lru_cache(maxsize=1)
def default_index() -> SchemaIndex:
    """The builtin index, from the newest non-strict schema kubernetes-validate ships
    (read when first consulted)."""
    return SchemaIndex(_default_definitions)


def _default_definitions() -> Mapping[str, Schema]:
    import json
    dirs = _schema_dirs()
    if not dirs:
        raise KustomizationError("kubernetes-validate ships no _definitions.json")
    with open(os.path.join(dirs[-1], "_definitions.json"), encoding="utf-8") as fh:
        doc = json.load(fh)
    return doc.get("$defs") or doc.get("definitions") or {}


# ---------------------------------------------------------------------------
# The kustomization's `openapi:` field.
# ---------------------------------------------------------------------------

def parse_custom_schema(text: str, display: str) -> tuple[dict[str, Schema], dict[tuple[str, str], bool]]:
    """Definitions and scopes from a swagger document written as JSON or YAML."""
    import json
    from lamina.yaml import load
    try:
        doc = json.loads(text) if text.lstrip().startswith("{") else load(text, display)
    except json.JSONDecodeError as exc:
        raise KustomizationError(f"invalid schema file: {exc}", SourceRef(display, exc.lineno)) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise KustomizationError("invalid schema file: the document is not a mapping",
                                 SourceRef(display))
    defs = doc.get("definitions") or {}
    if not isinstance(defs, dict):
        raise KustomizationError("invalid schema file: 'definitions' is not a mapping",
                                 SourceRef(display))
    # Scope comes from the API paths: a GET under namespaces/{namespace} means namespaced.
    scopes: dict[tuple[str, str], bool] = {}
    paths = doc.get("paths")
    for path, info in (paths.items() if isinstance(paths, dict) else ()):
        get = info.get("get") if isinstance(info, dict) else None
        tm = _type_meta(get.get(_GVK)) if isinstance(get, dict) else None
        if tm is None:
            continue
        if "namespaces/{namespace}" in str(path):
            scopes[tm] = True
        else:
            scopes.setdefault(tm, False)
    return {str(k): v for k, v in defs.items() if isinstance(v, dict)}, scopes


def schema_for(openapi_field: dict | None, loader: FileLoader) -> SchemaIndex:
    """The index a kustomization's strategic merges use.

    `{path: file}` adds the file's definitions to the builtin ones (same-named definitions
    are replaced); `{version: v1.21.2}` names Kustomize's only builtin version, which
    lamina serves from its own builtin data. Anything else is an error, as in Kustomize.
    """
    if not openapi_field:
        return default_index()
    if not isinstance(openapi_field, dict):
        raise KustomizationError(f"openapi must be a mapping, got {openapi_field!r}")
    path = openapi_field.get("path")
    version = openapi_field.get("version")
    if path is not None:
        if version is not None:
            raise KustomizationError("builtin version and custom schema provided, cannot use both")
        display = loader.display(str(path))
        defs, scopes = parse_custom_schema(loader.read_text(str(path)), display)
        return default_index().with_definitions(defs, scopes)
    if version is not None and str(version) != BUILTIN_VERSION:
        raise KustomizationError("the specified OpenAPI version is not built in")
    return default_index()


class BuildSchema:
    """Which OpenAPI data a build's strategic merges use at each point of the build.

    Kustomize keeps a single schema per build, not one per kustomization: the root's
    `openapi:` field wins; without one, the first kustomization reached (depth first, in
    accumulation order) that has the field sets it, and every merge from then on (the
    root's own patches included) uses it. Merges that ran before keep the builtin data.
    One instance lives for one build; call `declare` as each kustomization is loaded.
    """

    def __init__(self) -> None:
        self._current: SchemaIndex | None = None

    def declare(self, openapi_field: dict | None, loader: FileLoader, *, root: bool = False) -> None:
        if self._current is not None and not root:
            return   # already chosen: later declarations are ignored, even invalid ones
        if openapi_field:
            self._current = schema_for(openapi_field, loader)

    @property
    def current(self) -> SchemaIndex:
        return self._current if self._current is not None else default_index()
