"""schema: every resource is valid against the Kubernetes OpenAPI schema of its environment's
version (kubernetes-validate's bundled schemas), custom resources against their CRD.

Strict mode (the default) reports unknown fields, so `replica: 3` under a Deployment's spec
is caught. Kinds with no schema anywhere (no bundled schema, no CRD in the rendered tree or
in --crd-dir) are reported as skipped, not failed.

Options: `strict` (default true).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding

ID = "schema"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    strict: bool = True


def _schema_root() -> str:
    import kubernetes_validate
    return os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")


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
def _registry(version: str, strict: bool):
    from referencing import Registry, Resource
    folder = os.path.join(_schema_root(), f"v{version}.0-local" + ("-strict" if strict else ""))
    with open(os.path.join(folder, "_definitions.json"), encoding="utf-8") as fh:
        definitions = json.load(fh)
    return folder, Resource.from_contents(definitions) @ Registry()


@functools.lru_cache(maxsize=2048)
def validator_for(version: str, api_version: str, kind: str, strict: bool):
    """A compiled validator per (version, apiVersion, kind, strict); None when no schema.
    kubernetes-validate re-reads and rebuilds all of this on every call; caching it is what
    makes checking thousands of resources take well under a second."""
    import jsonschema
    from referencing import Resource
    folder, registry = _registry(version, strict)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = os.path.join(folder, f"{kind.lower()}-{group_version}.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    return jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ registry)


def _crd_validators(crds: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    import jsonschema
    out = {}
    for crd in crds:
        spec = crd.get("spec") if isinstance(crd.get("spec"), dict) else {}
        group = spec.get("group") or ""
        kind = (spec.get("names") or {}).get("kind") or ""
        for v in spec.get("versions") or []:
            schema = ((v or {}).get("schema") or {}).get("openAPIV3Schema")
            if isinstance(schema, dict) and kind:
                out[(f"{group}/{v.get('name')}", kind)] = jsonschema.Draft202012Validator(schema)
    return out


def _path(error) -> str:
    parts = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (("." if parts else "") + str(p)))
    return "".join(parts) or "(top level)"


def _message(error) -> str:
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)' was unexpected", error.message)
        if extra:
            return f"{_path(error)}: unknown field {', '.join(repr(e) for e in extra)}"
    msg = error.message
    if len(msg) > 200:
        msg = msg[:200] + "..."
    return f"{_path(error)}: {msg}"


def skipped_kinds(ctx: Context, options: Options) -> list[str]:
    version = resolve_version(ctx.kubernetes_version)
    crds = _crd_validators([o.data for o in ctx.objects if o.kind == "CustomResourceDefinition"]
                           + list(ctx.crds))
    out = []
    for obj in ctx.objects:
        if (obj.api_version, obj.kind) in crds:
            continue
        if validator_for(version, obj.api_version, obj.kind, options.strict) is None:
            out.append(f"{obj.api_version}/{obj.kind}")
    return sorted(set(out))


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    version = resolve_version(ctx.kubernetes_version)
    crds = _crd_validators([o.data for o in ctx.objects if o.kind == "CustomResourceDefinition"]
                           + list(ctx.crds))
    for obj in ctx.objects:
        validator = crds.get((obj.api_version, obj.kind))
        if validator is None:
            validator = validator_for(version, obj.api_version, obj.kind, options.strict)
        if validator is None:
            continue
        errors = sorted(validator.iter_errors(obj.data), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors[:5]:
            yield ctx.finding(ID, LEVEL, obj, f"{_message(error)} (Kubernetes {version})")
