"""ingress-backend: every Ingress (and Gateway API HTTPRoute, GRPCRoute, TCPRoute, TLSRoute,
UDPRoute) backend names a Service that exists in the same namespace, and a port that Service
has (by number or name). An ExternalName Service without ports has no ports to match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding, Obj

from lamina.yaml.positions import FieldPath

ID = "ingress-backend"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def _ingress_backends(obj: Obj) -> Iterator[tuple[str, Any, FieldPath]]:
    """(Service name, port, the path of the field naming the Service)"""
    spec = obj.data.get("spec") or {}
    candidates: list[tuple[dict[str, Any], FieldPath]] = []
    if isinstance(spec.get("defaultBackend"), dict):
        candidates.append((spec["defaultBackend"], ("spec", "defaultBackend")))
    for r, rule in enumerate(spec.get("rules") or []):
        for n, path in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
            if isinstance(path, dict) and isinstance(path.get("backend"), dict):
                candidates.append((path["backend"], ("spec", "rules", r, "http", "paths", n, "backend")))
    for b, at in candidates:
        svc = b.get("service")
        if isinstance(svc, dict) and svc.get("name"):
            port = svc.get("port") or {}
            yield svc["name"], port.get("number", port.get("name")), at + ("service", "name")
        elif b.get("serviceName"):   # extensions/v1beta1 shape
            yield b["serviceName"], b.get("servicePort"), at + ("serviceName",)


def _route_backends(obj: Obj) -> Iterator[tuple[str, Any, FieldPath]]:
    for r, rule in enumerate((obj.data.get("spec") or {}).get("rules") or []):
        for n, ref in enumerate((rule or {}).get("backendRefs") or []):
            if isinstance(ref, dict) and ref.get("name") and ref.get("kind", "Service") == "Service" \
                    and not ref.get("namespace"):
                yield ref["name"], ref.get("port"), ("spec", "rules", r, "backendRefs", n, "name")


_ROUTES = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute")


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    services = {(o.namespace, o.name): o for o in ctx.objects if o.kind == "Service"}
    external = {(e.get("namespace", ""), e.get("name")) for e in ctx.external if e.get("kind") == "Service"}
    for obj in ctx.objects:
        if obj.kind == "Ingress":
            backends = _ingress_backends(obj)
        elif obj.kind in _ROUTES and obj.group == "gateway.networking.k8s.io":
            backends = _route_backends(obj)
        else:
            continue
        for name, port, at in backends:
            svc = services.get((obj.namespace, name))
            if svc is None:
                if (obj.namespace, name) not in external:
                    yield ctx.finding(ID, LEVEL, obj, f"backend Service '{name}' does not exist in "
                                      f"namespace '{obj.namespace or 'default'}'", at=at)
                continue
            if port is None:
                continue
            ports = [p for p in (svc.data.get("spec") or {}).get("ports") or [] if isinstance(p, dict)]
            if not ports and (svc.data.get("spec") or {}).get("type") == "ExternalName":
                continue
            if not any(str(p.get("port")) == str(port) or (p.get("name") and p.get("name") == port)
                       for p in ports):
                have = ", ".join(str(p.get("name") or p.get("port")) for p in ports) or "none"
                yield ctx.finding(ID, LEVEL, obj, f"backend port {port} is not a port of Service "
                                  f"'{name}' (it has: {have})", (svc.ident,), at=at)
