"""probes: every long-running container has a liveness and a readiness probe.

Jobs and CronJobs run to completion and are not checked; neither are init containers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import WARNING, Context, Finding, container_path, containers, pod_specs

ID = "probes"
LEVEL = WARNING


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj, spec in pod_specs(ctx.objects):
        if obj.kind in ("Job", "CronJob"):
            continue
        for field, c in containers(spec, init=False):
            missing = [p for p in ("livenessProbe", "readinessProbe") if not c.get(p)]
            if missing:
                yield ctx.finding(ID, LEVEL, obj, f"container '{c.get('name')}' has no "
                                  + " and no ".join(missing),
                                  at=container_path(obj, field, c))
