"""schema: every resource is valid against the Kubernetes OpenAPI schema of its environment's
version (kubernetes-validate's bundled schemas), custom resources against their CRD.

Strict mode (the default) reports unknown fields, so `replica: 3` under a Deployment's spec
is caught. Kinds with no schema anywhere (no bundled schema, no CRD in the rendered tree or
in --crd-dir) are reported as skipped, not failed; but an apiVersion of a group Kubernetes
itself serves (apps/v1beta1, a typoed kind in apps/v1) with no schema is an error. CRD
schemas are applied as the API server does: strict mode rejects fields a structural schema
does not declare (unless x-kubernetes-preserve-unknown-fields), `nullable` admits null, and
a custom resource's metadata is checked as ObjectMeta, and the CRD's `default`s are filled in
before `required` is checked (the API server defaults a missing field before it validates:
an OpenTelemetryCollector without `spec.managementState` gets `managed`, it is not
invalid). Messages about a Secret never quote its values.

Options: `strict` (default true).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding, Obj, named_path
from lamina.errors import yaml_text
from lamina.checks.fastschema import surely_valid
from lamina.yaml.positions import FieldPath

ID = "schema"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    strict: bool = True


@functools.lru_cache(maxsize=1)
def _schema_root() -> str:
    # Found without importing kubernetes_validate (and jsonschema with it): a render whose
    # findings all come from its cache never needs either.
    import importlib.util
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.origin:
        import kubernetes_validate   # noqa: F401  (raises the usual ImportError)
        spec = importlib.util.find_spec("kubernetes_validate")
    assert spec is not None and spec.origin is not None    # the import above succeeded
    return os.path.join(os.path.dirname(spec.origin), "kubernetes-json-schema")


@functools.lru_cache(maxsize=1)
def bundled_versions() -> tuple[str, ...]:
    """Bundled minor versions, oldest first ('1.25', ..., '1.37')."""
    found = set()
    for name in os.listdir(_schema_root()):
        m = re.match(r"^v1\.(\d+)\.0-local$", name)
        if m:
            found.add(int(m.group(1)))
    return tuple(f"1.{m}" for m in sorted(found))


def resolve_version(requested: str | None) -> str:
    versions = bundled_versions()
    if not requested:
        return versions[-1]
    from lamina.checks.config import CheckConfigError
    m = re.match(r"^v?1\.(\d+)", requested)
    if not m:
        raise CheckConfigError(f"'{requested}' is not a Kubernetes version like 1.31")
    minor = int(m.group(1))
    usable = [v for v in versions if int(v.split(".")[1]) <= minor]
    if not usable or minor > int(versions[-1].split(".")[1]):
        raise CheckConfigError(f"Kubernetes {requested} has no bundled schema (bundled: "
                               f"{versions[0]} to {versions[-1]})")
    return usable[-1]


@functools.lru_cache(maxsize=8)
def _registry(version: str, strict: bool) -> tuple[str, Any]:
    from referencing import Registry, Resource
    folder = os.path.join(_schema_root(), f"v{version}.0-local" + ("-strict" if strict else ""))
    with open(os.path.join(folder, "_definitions.json"), encoding="utf-8") as fh:
        definitions = json.load(fh)
    return folder, Resource.from_contents(definitions) @ Registry()


def _schema_file(version: str, api_version: str, kind: str, strict: bool) -> str:
    folder = os.path.join(_schema_root(), f"v{version}.0-local" + ("-strict" if strict else ""))
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return os.path.join(folder, f"{kind.lower()}-{group_version}.json")


@functools.lru_cache(maxsize=2048)
def has_schema(version: str, api_version: str, kind: str, strict: bool) -> bool:
    """Whether validator_for() would find a schema, without loading any."""
    return os.path.isfile(_schema_file(version, api_version, kind, strict))


@functools.lru_cache(maxsize=2048)
def validator_for(version: str, api_version: str, kind: str, strict: bool) -> Any:
    """A compiled validator per (version, apiVersion, kind, strict); None when no schema.
    kubernetes-validate re-reads and rebuilds all of this on every call; caching it is what
    makes checking thousands of resources take well under a second."""
    if not has_schema(version, api_version, kind, strict):
        return None
    import jsonschema
    from referencing import Resource
    _folder, registry = _registry(version, strict)
    path = _schema_file(version, api_version, kind, strict)
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    return jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ registry)


_OBJECT_META = {"$ref": "https://kubernetes.io/api/_definitions.json#/$defs/"
                        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
_NESTED = ("properties", "patternProperties")


def _structural(node: Any, strict: bool, root: bool = False) -> Any:
    """A CRD's OpenAPI v3 schema as the API server applies it: `nullable` admits null,
    `x-kubernetes-int-or-string` admits both, and (strict) an object with `properties` and
    no `x-kubernetes-preserve-unknown-fields` has no other fields (the server prunes them;
    `kubectl --validate=strict` reports them). The root and embedded resources get
    apiVersion, kind and an ObjectMeta-checked metadata."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key in _NESTED:
        if isinstance(out.get(key), dict):
            out[key] = {k: _structural(v, strict) for k, v in out[key].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _structural(out["items"], strict)
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _structural(out["additionalProperties"], strict)
    embedded = root or out.get("x-kubernetes-embedded-resource") is True
    if embedded and (out.get("type") in (None, "object")):
        props = dict(out.get("properties") or {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        meta = props.get("metadata")
        if root and (not isinstance(meta, dict) or set(meta) <= {"type", "description"}):
            props["metadata"] = _OBJECT_META if strict else {"type": "object"}
        else:
            props.setdefault("metadata", {"type": "object"})
        if out.get("properties") is not None or root:
            out["properties"] = props
    if out.get("x-kubernetes-int-or-string") is True:
        out.pop("type", None)
    if strict and isinstance(out.get("properties"), dict) and "additionalProperties" not in out \
            and out.get("x-kubernetes-preserve-unknown-fields") is not True:
        out["additionalProperties"] = False
    if out.get("nullable") is True:
        out = {"anyOf": [{"type": "null"}, out]}
    return out


def with_defaults(schema: Any, data: Any) -> Any:
    """`data` with the schema's `default`s filled in as the API server does before it
    validates: a missing property with a default gets it, inside every object that is
    present (a default never creates its parent), through properties, array items and
    additionalProperties. The input is never changed; unchanged parts are shared."""
    if not isinstance(schema, dict):
        return data
    if isinstance(data, dict):
        out = data
        props = schema.get("properties")
        if isinstance(props, dict):
            for key, sub in props.items():
                if not isinstance(sub, dict):
                    continue
                if key not in data:
                    if "default" in sub:
                        if out is data:
                            out = dict(data)
                        out[key] = with_defaults(sub, copy.deepcopy(sub["default"]))
                    continue
                new = with_defaults(sub, data[key])
                if new is not data[key]:
                    if out is data:
                        out = dict(data)
                    out[key] = new
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, value in data.items():
                if isinstance(props, dict) and key in props:
                    continue
                new = with_defaults(extra, value)
                if new is not value:
                    if out is data:
                        out = dict(data)
                    out[key] = new
        return out
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        items = [with_defaults(schema["items"], v) for v in data]
        return items if any(a is not b for a, b in zip(items, data)) else data
    return data


def _crd_validators(crds: list[dict[str, Any]], version: str | None = None,
                    strict: bool = True) -> dict[tuple[str, str], Any]:
    """(group/version, kind) -> (validator, the version's openAPIV3Schema, for defaults)."""
    import jsonschema
    from referencing import Registry
    registry = _registry(version, strict)[1] if version else Registry()
    out = {}
    for crd in crds:
        spec = crd["spec"] if isinstance(crd.get("spec"), dict) else {}
        group = spec.get("group") or ""
        names = spec["names"] if isinstance(spec.get("names"), dict) else {}
        kind = names.get("kind") or ""
        for v in spec["versions"] if isinstance(spec.get("versions"), list) else []:
            try:
                schema = ((v or {}).get("schema") or {}).get("openAPIV3Schema")
                if isinstance(schema, dict) and kind:
                    structural = _structural(schema, strict and version is not None, root=True)
                    out[(f"{group}/{v.get('name')}", kind)] = (jsonschema.Draft202012Validator(
                        structural, registry=registry), schema)
            except Exception:   # a malformed CRD: its own schema findings say why
                continue
    return out


# API groups served by Kubernetes itself: an apiVersion here with no bundled schema is a
# typo or an API the cluster no longer serves, never a custom resource to skip.
_BUILTIN_GROUPS = {"", "apps", "batch", "autoscaling", "policy", "extensions",
                   "admissionregistration.k8s.io", "apiextensions.k8s.io",
                   "apiregistration.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
                   "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
                   "events.k8s.io", "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io",
                   "networking.k8s.io", "node.k8s.io", "rbac.authorization.k8s.io",
                   "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
                   "storagemigration.k8s.io"}


def _builtin_without_schema(api_version: str) -> bool:
    group = api_version.rpartition("/")[0]
    return group in _BUILTIN_GROUPS and "/" in api_version or api_version == "v1"


# `error` is a jsonschema ValidationError (jsonschema is imported only when a schema is).
def _path(error: Any) -> str:
    parts: list[str] = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (("." if parts else "") + str(p)))
    return "".join(parts) or "(top level)"


def _field(obj: Obj, error: Any) -> FieldPath:
    """The field a schema error is about (an unknown field's own key), for its line."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)' was unexpected", error.message)
        if extra:
            path.append(extra[0])
    return named_path(obj.data, path)


def _message(error: Any, secret: bool = False) -> str:
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)' was unexpected", error.message)
        if extra:
            return f"{_path(error)}: unknown field {', '.join(repr(e) for e in extra)}"
    msg = error.message
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        msg = f"{yaml_text(error.instance)} is not of type {wanted}"
    elif error.validator == "enum":
        msg = f"{yaml_text(error.instance)} is not one of {yaml_text(error.validator_value)}"
    elif error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        msg = f"missing required field {', '.join(repr(m) for m in missing) or msg}"
    if secret:   # jsonschema quotes the offending value: never a Secret's
        msg = f"invalid value ({error.validator} {error.validator_value!r})"[:200]
    if len(msg) > 200:
        msg = msg[:200] + "..."
    return f"{_path(error)}: {msg}"


def skipped_kinds(ctx: Context, options: Options) -> list[str]:
    version = resolve_version(ctx.kubernetes_version)
    crds = {(crd_api, crd_kind) for crd in [o.data for o in ctx.objects
                                           if o.kind == "CustomResourceDefinition"] + list(ctx.crds)
            for crd_api, crd_kind in _crd_ids(crd)}
    out = []
    for obj in ctx.objects:
        if (obj.api_version, obj.kind) in crds or _builtin_without_schema(obj.api_version):
            continue
        if not has_schema(version, obj.api_version, obj.kind, options.strict):
            out.append(f"{obj.api_version}/{obj.kind}")
    return sorted(set(out))


def _prune_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _prune_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_prune_nulls(v) for v in node]
    return node


def _crd_ids(crd: dict[str, Any]) -> Iterator[tuple[str, str]]:
    spec = crd["spec"] if isinstance(crd.get("spec"), dict) else {}
    names = spec["names"] if isinstance(spec.get("names"), dict) else {}
    kind = names.get("kind") or ""
    versions = spec["versions"] if isinstance(spec.get("versions"), list) else []
    for v in versions:
        if isinstance(v, dict) and kind:
            yield f"{spec.get('group') or ''}/{v.get('name')}", kind


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    version = resolve_version(ctx.kubernetes_version)
    crds = _crd_validators([o.data for o in ctx.objects if o.kind == "CustomResourceDefinition"]
                           + list(ctx.crds), version, options.strict)
    for obj in ctx.objects:
        validator, data = None, obj.data
        crd = crds.get((obj.api_version, obj.kind))
        if crd is not None:
            # The API server drops nulls of non-nullable fields, then fills in defaults.
            validator, data = crd[0], with_defaults(crd[1], _prune_nulls(data))
        if validator is None:
            validator = validator_for(version, obj.api_version, obj.kind, options.strict)
        if validator is None:
            if _builtin_without_schema(obj.api_version) and (obj.api_version, obj.kind) not in \
                    {i for crd in ctx.crds for i in _crd_ids(crd)}:
                yield ctx.finding(ID, LEVEL, obj, f"Kubernetes {version} has no {obj.kind} in "
                                  f"{obj.api_version}: a typo in kind or apiVersion, or an API "
                                  "the cluster no longer serves", at=("kind",))
            continue
        if surely_valid(validator, data):
            continue
        try:
            errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
        except Exception:   # a schema jsonschema cannot apply
            continue
        for error in errors[:5]:
            yield ctx.finding(ID, LEVEL, obj, f"{_message(error, obj.kind == 'Secret')} "
                              f"(Kubernetes {version})", at=_field(obj, error))
