"""cross-environment: an environment never names another environment's namespace or hosts.

A dev host in prod's Ingress, or a staging namespace in prod's RoleBinding, is the classic
copy-paste release bug. Another environment's namespaces are the namespaces its own
resources use; its hosts are those its Ingresses and routes serve plus `hosts:` in
lamina.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding, Obj

ID = "cross-environment"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def hosts_of(obj: Obj) -> list[str]:
    spec = obj.data.get("spec") or {}
    out = []
    if obj.kind == "Ingress":
        out += [r.get("host") for r in spec.get("rules") or [] if isinstance(r, dict) and r.get("host")]
        for tls in spec.get("tls") or []:
            out += [h for h in (tls or {}).get("hosts") or [] if isinstance(h, str)]
    elif obj.kind in ("HTTPRoute", "GRPCRoute", "TLSRoute"):
        out += [h for h in spec.get("hostnames") or [] if isinstance(h, str)]
    return out


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


@lru_cache(maxsize=4096)
def _pattern(marker: str) -> re.Pattern[str]:
    """The marker as a whole word of a host name: `shop.example.com` is not found inside
    `dev.shop.example.com`, but is inside `https://shop.example.com/api`."""
    return re.compile(r"(?<![A-Za-z0-9.-])" + re.escape(marker) + r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])")


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    own = set(ctx.own_hosts) | {o.namespace for o in ctx.objects if o.namespace}
    for obj in ctx.objects:
        if obj.kind == "Secret":
            continue   # never read secret values into messages
        for env, markers in ctx.other_environments.items():
            foreign = [m for m in markers if m and m not in own]
            if not foreign:
                continue
            if obj.namespace in foreign:
                yield ctx.finding(ID, LEVEL, obj, f"is in namespace '{obj.namespace}', which "
                                  f"belongs to environment '{env}'")
                continue
            for path, text in _strings(obj.data):
                if path == "metadata.namespace":
                    continue
                hit = next((m for m in foreign if m == text
                            or ("." in m and m in text and _pattern(m).search(text))), None)
                if hit is not None:
                    yield ctx.finding(ID, LEVEL, obj, f"{path} names '{hit}', which belongs to "
                                      f"environment '{env}'")
                    break
