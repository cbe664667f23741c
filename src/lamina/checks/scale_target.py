"""scale-target: a HorizontalPodAutoscaler's scaleTargetRef names a workload that exists, and a
PodDisruptionBudget's selector matches at least one pod template, in the same namespace (or
the pods an operator makes from a custom resource there, as service-selector allows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import (ERROR, Context, Finding, label_selector_matches,
                                operator_pods, operator_selects, pod_template)

ID = "scale-target"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    by_id = {(o.kind, o.namespace, o.name) for o in ctx.objects}
    external = {(e.get("kind"), e.get("namespace", ""), e.get("name")) for e in ctx.external}
    for obj in ctx.objects:
        spec = obj.data.get("spec") or {}
        if obj.kind == "HorizontalPodAutoscaler":
            ref = spec.get("scaleTargetRef") or {}
            key = (ref.get("kind"), obj.namespace, ref.get("name"))
            if ref.get("kind") and key not in by_id and key not in external:
                yield ctx.finding(ID, LEVEL, obj, f"scaleTargetRef {ref.get('kind')} "
                                  f"'{ref.get('name')}' does not exist in namespace "
                                  f"'{obj.namespace or 'default'}'", at=("spec", "scaleTargetRef", "name"))
        elif obj.kind == "PodDisruptionBudget":
            selector = spec.get("selector")
            if not isinstance(selector, dict):
                continue
            if not any(o.namespace == obj.namespace and
                       label_selector_matches(selector, (t[0].get("labels") or {}))
                       for o in ctx.objects for t in [pod_template(o)] if t is not None) and \
                    not (not selector.get("matchExpressions") and any(
                        o.namespace == obj.namespace and
                        operator_selects(selector.get("matchLabels") or {}, o, labels)
                        for o, labels in operator_pods(ctx.objects))):
                yield ctx.finding(ID, LEVEL, obj, "selector matches no pod template in namespace "
                                  f"'{obj.namespace or 'default'}'", at=("spec", "selector"))
