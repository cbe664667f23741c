"""service-target-port: every Service port's targetPort, by number or by name, is exposed by a
container of the pods the Service selects.

This is the failure lamina exists to end: the Service says 8080, the container listens on
8081, and nothing notices until traffic fails. A numeric targetPort that no container
declares is reported too: Kubernetes would route to it, but nothing says anyone listens;
unless a container's args or command bind that port (`--metrics-bind-address=:8443`,
`--port=8443`), or the containers declare no ports at all (nothing to compare with). Env
values do not count: `PORT=8080` beside `containerPort: 8081` is the very mismatch.
Native sidecars (init containers with `restartPolicy: Always`) count as containers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import (ERROR, Context, Finding, PodIndex, containers, pod_template,
                                selector_matches)

ID = "service-target-port"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


_PORT_TEXT = re.compile(r"(?:^|[:=])(\d{2,5})$|(?:^|[:=])(\d{2,5})(?=[/,\s])")


def _mentioned_ports(c: dict[str, Any]) -> set[str]:
    """Port numbers a container's args or command say it binds."""
    texts = [str(a) for field in ("args", "command") if isinstance(c.get(field), list)
             for a in c[field] if isinstance(a, str)]
    out = set()
    for text in texts:
        for m in _PORT_TEXT.finditer(text.strip()):
            out.add(str(int(m.group(1) or m.group(2))))
    return out


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    pods = [(o, t) for o in ctx.objects for t in [pod_template(o)] if t is not None]
    index = PodIndex(pods)
    for svc in ctx.objects:
        if svc.kind != "Service" or svc.api_version != "v1":
            continue
        spec = svc.data.get("spec") or {}
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            continue
        if index.usable:
            selected = [(pods[i][0], pods[i][1][1]) for i in index.selected(svc.namespace, selector)]
        else:
            selected = [(o, s) for o, (md, s) in pods
                        if o.namespace == svc.namespace and selector_matches(selector, md.get("labels") or {})]
        if not selected:
            continue   # service-selector reports this
        numbers, names, mentioned = set(), set(), set()
        for _o, pod_spec in selected:
            for f, c in containers(pod_spec):
                if f == "initContainers" and c.get("restartPolicy") != "Always":
                    continue
                for p in c.get("ports") or []:
                    if isinstance(p, dict):
                        if "containerPort" in p:
                            numbers.add(str(p["containerPort"]))
                        if p.get("name"):
                            names.add(str(p["name"]))
                mentioned.update(_mentioned_ports(c))
        workloads = ", ".join(sorted(o.ident for o, _s in selected))
        for i, port in enumerate(spec.get("ports") or []):
            if not isinstance(port, dict):
                continue
            target = port.get("targetPort", port.get("port"))
            at = ("spec", "ports", i, "targetPort" if "targetPort" in port else "port")
            if target is None:
                continue
            label = f"port {port.get('name') or port.get('port')}"
            if isinstance(target, int) or str(target).isdigit():
                if not numbers or str(target) in mentioned:
                    continue
                if str(target) not in numbers:
                    exposed = ", ".join(sorted(numbers, key=lambda x: int(x) if x.isdigit() else 0)) or "none"
                    yield ctx.finding(ID, LEVEL, svc,
                                      f"{label}: targetPort {target} is not a containerPort of "
                                      f"{workloads} (they expose: {exposed})", (workloads,), at=at)
            elif str(target) not in names:
                yield ctx.finding(ID, LEVEL, svc,
                                  f"{label}: targetPort '{target}' names no container port of "
                                  f"{workloads} (named ports: {', '.join(sorted(names)) or 'none'})",
                                  (workloads,), at=at)
