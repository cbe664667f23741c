"""cross-environment: an environment never names another environment's namespace or hosts.

A dev host in prod's Ingress, or a staging namespace in prod's RoleBinding, is the classic
copy-paste release bug. The markers are the namespaces resources use, the hosts Ingresses
and routes serve, and `hosts:` in lamina.yaml. A marker belongs to one environment:
the one declaring it in lamina.yaml; else the one it names (`dev.shop.example.com`,
`shop-staging`; dev/development, staging/stage/stg, prod/production/prd count as names);
else the only one using it. A marker several environments use and none owns (a shared
status host, a `monitoring` namespace) is nobody's, and so never flagged. Kubernetes' own
namespaces (default, kube-system, ...) are never markers. A namespace is also found inside
a cluster DNS name (`api.shop-dev.svc.cluster.local`).

Configuration is read too: the host names, URLs and connection strings in ConfigMap data,
container env values, args and command, and annotations (see config_hosts.py for what
counts as a host). A host that carries another environment's marker as whole tokens is
reported with its key and line: `db.dev.example.internal` or `redis-dev` in prod's
ConfigMap, `postgres://...@pg.staging.internal/shop` in prod's env. An environment's
markers are its name and the usual spellings of it (dev/development/develop,
staging/stage/stg, prod/production/prd, test/tst/testing, sandbox/sbx, preprod/pre-prod)
plus the `markers:` lamina.yaml lists for it; a marker two environments claim is nobody's.
A host that also carries this environment's own marker, or that is one of its `hosts:`
(or under one), is never reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from lamina.checks import config_hosts
from lamina.checks.base import (ERROR, Context, Finding, Obj, container_path, containers,
                                pod_spec_path, pod_template)
from lamina.yaml.positions import FieldPath

ID = "cross-environment"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def hosts_of(obj: Obj) -> list[str]:
    spec = obj.data.get("spec") or {}
    out: list[Any] = []
    if obj.kind == "Ingress":
        out += [r.get("host") for r in spec.get("rules") or [] if isinstance(r, dict) and r.get("host")]
        for tls in spec.get("tls") or []:
            out += [h for h in (tls or {}).get("hosts") or [] if isinstance(h, str)]
    elif obj.kind in ("HTTPRoute", "GRPCRoute", "TLSRoute"):
        out += [h for h in spec.get("hostnames") or [] if isinstance(h, str)]
    elif obj.kind == "VirtualService" and obj.group.startswith("networking.istio.io"):
        out += [h for h in spec.get("hosts") or [] if isinstance(h, str) and "." in h]
    elif obj.kind == "Gateway" and obj.group.startswith("networking.istio.io"):
        for server in spec.get("servers") or []:
            out += [h.rpartition("/")[2] for h in (server or {}).get("hosts") or []
                    if isinstance(h, str) and "." in h]
    elif obj.kind == "Gateway" and obj.group == "gateway.networking.k8s.io":
        out += [(lst or {}).get("hostname") for lst in spec.get("listeners") or []
                if isinstance((lst or {}).get("hostname"), str)]
    return out


_SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}
_ALIASES = ({"dev", "development", "develop"}, {"staging", "stage", "stg"},
            {"prod", "production", "prd"}, {"test", "tst", "testing"},
            {"sandbox", "sbx"}, {"preprod", "pre-prod", "preproduction"})


def _names(env: str) -> set[str]:
    env = env.lower()
    return next((group for group in _ALIASES if env in group), {env})


def _named_envs(marker: str, envs: Iterable[str]) -> list[str]:
    tokens = set(re.split(r"[.\-_]", marker.lower()))
    out = []
    for env in envs:
        parts = set(re.split(r"[.\-_/]", env.lower()))
        if tokens & _names(env) or (len(parts) > 1 and parts <= tokens):
            out.append(env)
    return out


def markers_of(o: Obj) -> list[str]:
    """The hosts and namespaces one object uses (what makes a marker an environment's)."""
    found = list(hosts_of(o))
    if o.namespace and o.namespace not in _SYSTEM_NAMESPACES:
        found.append(o.namespace)
    if o.kind == "Namespace" and o.api_version == "v1" and o.name not in _SYSTEM_NAMESPACES:
        found.append(o.name)
    return found


def owners(declared: dict[str, tuple[str, ...]], observed: dict[str, list[Obj]]) -> dict[str, tuple[str, ...]]:
    """env -> the markers (hosts, namespaces) that belong to it and to no other environment."""
    return owners_of_markers(declared, {env: {m for o in objects for m in markers_of(o)}
                                        for env, objects in observed.items()})


def owners_of_markers(declared: dict[str, tuple[str, ...]],
                      observed: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """owners() from the markers each environment's objects use (markers_of)."""
    seen: dict[str, set[str]] = {}
    for env, markers in observed.items():
        for marker in markers:
            seen.setdefault(marker, set()).add(env)
    declaring: dict[str, set[str]] = {}
    for env, hosts in declared.items():
        for host in hosts:
            declaring.setdefault(host, set()).add(env)
    envs = sorted(set(declared) | set(observed))
    out: dict[str, set[str]] = {env: set() for env in envs}
    for marker in set(seen) | set(declaring):
        if marker in declaring:
            candidates = sorted(declaring[marker])
        else:
            named = _named_envs(marker, envs)
            candidates = named if len(named) == 1 else sorted(seen.get(marker, ()))
        if len(candidates) == 1:
            out[candidates[0]].add(marker)
    return {env: tuple(sorted(m)) for env, m in out.items()}


def _strings(node: Any, path: str = "", steps: FieldPath = ()
             ) -> Iterator[tuple[str, FieldPath, str]]:
    """(dotted path for the message, field path for the line, text) of every string."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k), steps + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{path}[{i}]", steps + (i,))
    elif isinstance(node, str):
        yield path, steps, node


def _may_equal(marker: str, env: str, path: str) -> bool:
    """A whole string equal to another environment's marker counts when the marker is a host,
    names that environment (`shop-dev`), or sits in a namespace field (subjects[].namespace,
    namespaceSelector matchNames): a bare word like `web` is too often just a name."""
    if "." in marker or _named_envs(marker, [env]):
        return True
    last = re.split(r"[.\[]", path)[-1].rstrip("]")
    return last == "namespace" or path.endswith("kubernetes.io/metadata.name") \
        or "matchNames" in path or "namespaces" in path


@lru_cache(maxsize=4096)
def _pattern(marker: str) -> re.Pattern[str]:
    """The marker as a whole word of a host name: `shop.example.com` is not found inside
    `dev.shop.example.com`, but is inside `https://shop.example.com/api`."""
    if "." not in marker:   # a namespace: inside a cluster DNS name
        return re.compile(r"(?<![A-Za-z0-9-])" + re.escape(marker) + r"\.svc(?![A-Za-z0-9-])")
    return re.compile(r"(?<![A-Za-z0-9.-])" + re.escape(marker) + r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])")


# Characters json.dumps (ensure_ascii=False) escapes: a marker with none of them appears
# verbatim in an object's JSON text wherever it appears inside one of its strings.
_JSON_ESCAPED = re.compile(r'[\x00-\x1f\\"]')


def _prefilter(markers: set[str]) -> Callable[[Any], bool] | None:
    """A test that is False only for objects none of whose strings contains a marker (one
    C-speed pass over the object's JSON text), or None when it cannot be exact."""
    if not markers or any(_JSON_ESCAPED.search(m) for m in markers):
        return None
    pattern = re.compile("|".join(re.escape(m) for m in sorted(markers, key=lambda m: (-len(m), m))))
    dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False, allow_nan=True).encode

    def may_name(data: Any) -> bool:
        try:
            text = dumps(data)
        except (TypeError, ValueError, RecursionError):
            return True
        return pattern.search(text) is not None
    return may_name


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    own = set(ctx.own_hosts)
    envs = []
    for env, markers in ctx.other_environments.items():
        foreign = [m for m in markers if m and m not in own]
        if foreign:
            envs.append((env, foreign))
    reported = []
    for finding in _by_markers(ctx, envs):
        reported.append((finding.resource, finding.message.split(" names ")[0]))
        yield finding
    for finding in _in_configuration(ctx):   # messages start with the field's dotted path
        if (finding.resource, finding.message.split(" names ")[0]) not in reported:
            yield finding


def _by_markers(ctx: Context, envs: list[tuple[str, list[str]]]) -> Iterator[Finding]:
    """Another environment's namespaces and hosts, anywhere in an object."""
    if not envs:
        return
    may_name = _prefilter({m for _env, foreign in envs for m in foreign})
    for obj in ctx.objects:
        if obj.kind == "Secret":
            continue   # never read secret values into messages
        if may_name is not None and not may_name(obj.data):
            continue   # names no marker at all: nothing below could find one
        strings = None
        for env, foreign in envs:
            if obj.namespace in foreign:
                yield ctx.finding(ID, LEVEL, obj, f"is in namespace '{obj.namespace}', which "
                                  f"belongs to environment '{env}' (set this environment's own "
                                  "namespace in its overlay)", at=("metadata", "namespace"))
                continue
            if strings is None:
                strings = list(_strings(obj.data))
            for path, steps, text in strings:
                if path == "metadata.namespace":
                    continue
                hit = next((m for m in foreign if (m == text and _may_equal(m, env, path))
                            or (m in text and _pattern(m).search(text))), None)
                if hit is not None:
                    yield ctx.finding(ID, LEVEL, obj, f"{path} names '{hit}', which belongs to "
                                      f"environment '{env}' (use {own_environment(ctx)}'s own, or "
                                      "declare it under hosts: in lamina.yaml)", at=steps)
                    break


# ---- hosts inside configuration -------------------------------------------------------------

def own_environment(ctx: Context) -> str:
    """The environment a context renders (`prod` for the target `prod/eu`)."""
    return ctx.environment.split("/", 1)[0]


def _markers(ctx: Context) -> config_hosts.Markers:
    own = own_environment(ctx)
    envs = set(ctx.other_environments) | set(ctx.environment_markers) | {own}
    return config_hosts.environment_markers(
        {env: _names(env) | set(ctx.environment_markers.get(env, ())) for env in envs})


def secret_values(obj: Obj) -> Iterator[tuple[str, FieldPath, str, str]]:
    """configuration() of a Secret: its stringData, and its data decoded (base64)."""
    import base64
    import binascii
    for field in ("stringData", "data"):
        values = obj.data.get(field)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if not isinstance(value, str):
                continue
            if field == "data":
                try:
                    value = base64.b64decode(value, validate=True).decode("utf-8")
                except (binascii.Error, ValueError):
                    continue
            yield f"{field}.{key}", (field, str(key)), str(key), value


def configuration(obj: Obj) -> Iterator[tuple[str, FieldPath, str, str]]:
    """(dotted path for the message, field path, key, text) of the configuration strings
    cross-environment reads."""
    if obj.kind == "ConfigMap":
        data = obj.data.get("data")
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str):
                    yield f"data.{key}", ("data", str(key)), str(key), value
    yield from _annotations(obj.metadata, ("metadata",))
    tpl = pod_template(obj)
    if tpl is None:
        return
    base = pod_spec_path(obj)
    if tpl[0] is not obj.metadata:
        yield from _annotations(tpl[0], base[:-1] + ("metadata",))
    index: dict[str, int] = {}
    for field, c in containers(tpl[1]):
        i = index[field] = index.get(field, -1) + 1
        text = f"{'.'.join(map(str, base))}.{field}[{i}]"
        at = container_path(obj, field, c)
        for j, env in enumerate(c.get("env") or []):
            if isinstance(env, dict) and isinstance(env.get("value"), str):
                name = env.get("name")
                step = ("name", name) if isinstance(name, str) else j
                yield (f"{text}.env[{j}].value", at + ("env", step, "value"), str(name or ""),
                       env["value"])
        for what in ("command", "args"):
            items = c.get(what)
            for j, arg in enumerate(items if isinstance(items, list) else []):
                if isinstance(arg, str):
                    yield f"{text}.{what}[{j}]", at + (what, j), what, arg


_SKIPPED_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}


def _annotations(metadata: Any, path: FieldPath) -> Iterator[tuple[str, FieldPath, str, str]]:
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if isinstance(annotations, dict):
        for key, value in annotations.items():
            if isinstance(value, str) and key not in _SKIPPED_ANNOTATIONS:
                yield (f"{'.'.join(map(str, path))}.annotations.{key}", path + ("annotations", str(key)),
                       str(key), value)


def _own_host(host: str, own_hosts: tuple[str, ...]) -> bool:
    host = host.lower()
    return any(host == h.lower() or host.endswith("." + h.lower()) for h in own_hosts)


def _in_configuration(ctx: Context) -> Iterator[Finding]:
    markers = _markers(ctx)
    own = own_environment(ctx)
    if not any(env != own for _tokens, env in markers):
        return
    words = {t for tokens, env in markers for t in tokens}
    may_carry = re.compile(r"(?i)(?<![A-Za-z0-9])(?:" + "|".join(
        re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + r")(?![A-Za-z0-9])")
    for obj in ctx.objects:
        secret = obj.kind == "Secret"
        for path, steps, key, text in (secret_values(obj) if secret else configuration(obj)):
            if not may_carry.search(text):
                continue
            for host in config_hosts.hosts_in(key, text):
                if _own_host(host.host, ctx.own_hosts):
                    continue
                found = config_hosts.owner(host, markers)
                if found is None or found[0] == own:
                    continue
                env, marker = found
                # A Secret's value never goes into a message, not even its host.
                names = (f"names a host of environment '{env}' (it carries the marker '{marker}'; "
                         "the value is a Secret's, so it is not shown)" if secret else
                         f"names host '{host.host}', which belongs to environment '{env}' (it "
                         f"carries the marker '{marker}')")
                yield ctx.finding(
                    ID, LEVEL, obj, f"{path} {names}; point it at {own}'s own host, or list the "
                    f"host under {own}'s hosts: in lamina.yaml if it really is shared", at=steps)
                break
