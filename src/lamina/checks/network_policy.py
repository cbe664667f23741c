"""network-policy: every pod is selected by a NetworkPolicy of its namespace (strict preset
only; turn it on elsewhere with `network-policy: {enabled: true}`).

A pod no policy selects accepts traffic from anywhere in the cluster: one compromised pod
reaches them all. A workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, or a
custom workload with a pod template) is reported when no NetworkPolicy in its namespace
selects its pod labels (`podSelector: {}` selects every pod). Cilium's
CiliumNetworkPolicy (`endpointSelector`) and CiliumClusterwideNetworkPolicy count too; a
Calico NetworkPolicy in the namespace, or a GlobalNetworkPolicy, counts as selecting
every pod there (its selector language is Calico's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import WARNING, Context, Finding, label_selector_matches, pod_template

ID = "network-policy"
LEVEL = WARNING
ENABLED = False       # the strict preset turns it on


@dataclass(frozen=True)
class Options:
    pass


def _selects(selector: Any, labels: dict[str, Any]) -> bool:
    if selector == {} or (isinstance(selector, dict) and not selector.get("matchLabels")
                          and not selector.get("matchExpressions")):
        return isinstance(selector, dict)     # {} selects every pod
    return label_selector_matches(selector, labels)


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    by_namespace: dict[str, list[Any]] = {}
    everywhere: list[Any] = []
    for o in ctx.objects:
        spec = o.data["spec"] if isinstance(o.data.get("spec"), dict) else {}
        if o.kind == "NetworkPolicy" and o.group == "networking.k8s.io":
            by_namespace.setdefault(o.namespace, []).append(spec.get("podSelector"))
        elif o.kind == "CiliumNetworkPolicy" and o.group == "cilium.io":
            by_namespace.setdefault(o.namespace, []).append(spec.get("endpointSelector"))
        elif o.kind == "CiliumClusterwideNetworkPolicy" and o.group == "cilium.io":
            everywhere.append(spec.get("endpointSelector"))
        elif o.kind == "NetworkPolicy" and o.group.endswith("projectcalico.org"):
            by_namespace.setdefault(o.namespace, []).append({})
        elif o.kind == "GlobalNetworkPolicy" and o.group.endswith("projectcalico.org"):
            everywhere.append({})
    for obj in ctx.objects:
        tpl = pod_template(obj)
        if tpl is None:
            continue
        labels = tpl[0]["labels"] if isinstance(tpl[0].get("labels"), dict) else {}
        selectors = by_namespace.get(obj.namespace, []) + everywhere
        if not any(_selects(s, labels) for s in selectors):
            ns = obj.namespace or "default"
            yield ctx.finding(ID, LEVEL, obj, f"no NetworkPolicy in namespace '{ns}' selects "
                              "its pods (add one, for example a default-deny policy with "
                              "podSelector: {} and the ingress it needs)")
