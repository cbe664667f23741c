"""resources: every container sets CPU and memory requests, and a memory limit.

Without requests the scheduler packs pods blindly; without a memory limit one leak takes the
node down. CPU limits are deliberately not required (they throttle more than they protect);
set `require_cpu_limit: true` to require them too.

A request the container does not set but whose limit it sets is not missing: Kubernetes
defaults a container's requests to its limits (so `limits: {cpu: 1, memory: 1Gi}` alone
means requests of 1 CPU and 1Gi).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import WARNING, Context, Finding, container_path, containers, pod_specs

ID = "resources"
LEVEL = WARNING


@dataclass(frozen=True)
class Options:
    require_cpu_limit: bool = False


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj, spec in pod_specs(ctx.objects):
        for field, c in containers(spec):
            res = c.get("resources") or {}
            requests, limits = res.get("requests") or {}, res.get("limits") or {}
            missing = [f"requests.{k}" for k in ("cpu", "memory")
                       if k not in requests and k not in limits]   # defaulted from the limit
            if "memory" not in limits:
                missing.append("limits.memory")
            if options.require_cpu_limit and "cpu" not in limits:
                missing.append("limits.cpu")
            if missing:
                yield ctx.finding(ID, LEVEL, obj, f"{field[:-1]} '{c.get('name')}' does not set "
                                  + ", ".join(missing),
                                  at=container_path(obj, field, c) + ("resources",))
