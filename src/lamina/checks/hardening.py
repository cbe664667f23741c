"""hardening: pods run as non-root and use no privileged containers, hostPath volumes,
hostNetwork or hostPID.

`runAsNonRoot: true` may be set on the pod or on every container.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import ERROR, Context, Finding, containers, pod_template

ID = "hardening"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    require_non_root: bool = True


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj in ctx.objects:
        tpl = pod_template(obj)
        if tpl is None:
            continue
        spec = tpl[1]
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key) is True:
                yield ctx.finding(ID, LEVEL, obj, f"{key} is true")
        for vol in spec.get("volumes") or []:
            if isinstance(vol, dict) and vol.get("hostPath") is not None:
                yield ctx.finding(ID, LEVEL, obj, f"volume '{vol.get('name')}' mounts a hostPath")
        pod_non_root = (spec.get("securityContext") or {}).get("runAsNonRoot") is True
        for field, c in containers(spec):
            sc = c.get("securityContext") or {}
            where = f"{field[:-1]} '{c.get('name')}'"
            if sc.get("privileged") is True:
                yield ctx.finding(ID, LEVEL, obj, f"{where} is privileged")
            if options.require_non_root and not (pod_non_root or sc.get("runAsNonRoot") is True):
                yield ctx.finding(ID, LEVEL, obj, f"{where} may run as root (set runAsNonRoot: true)")
            if sc.get("runAsUser") == 0:
                yield ctx.finding(ID, LEVEL, obj, f"{where} runs as user 0")
