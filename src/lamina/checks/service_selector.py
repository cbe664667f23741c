"""service-selector: a Service's selector matches at least one pod template in its namespace.

A selector that matches nothing sends traffic nowhere; it usually means a label was renamed
in one file and not the other. Services without a selector (ExternalName, or endpoints
managed by hand) are not checked, nor are Services selecting pods an operator makes from a
custom resource in the namespace (labels its spec declares, or its name as a label value).

A selector may name the labels a controller puts on the pods it makes, which no template
carries: `statefulset.kubernetes.io/pod-name: redis-ha-server-0` (one Service per
StatefulSet pod, as argo-cd's redis-ha does), `apps.kubernetes.io/pod-index`,
`controller-revision-hash`, `pod-template-hash`, `job-name`. Such a selector matches when
the rest of it matches a template of the kind that adds them (and a pod name or job name
is that workload's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import (ERROR, Context, Finding, PodIndex, operator_pods,
                                Obj, operator_selects, pod_template, selector_matches)

ID = "service-selector"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    pods = [(o, t) for o in ctx.objects for t in [pod_template(o)] if t is not None]
    owners = operator_pods(ctx.objects)
    index = PodIndex(pods)
    for svc in ctx.objects:
        if svc.kind != "Service" or svc.api_version != "v1":
            continue
        spec = svc.data.get("spec") or {}
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not selector or spec.get("type") == "ExternalName":
            continue
        if index.usable:
            matched = bool(index.selected(svc.namespace, selector))
        else:
            matched = any(o.namespace == svc.namespace and
                          selector_matches(selector, md.get("labels") or {})
                          for o, (md, _spec) in pods)
        if not matched and not _controller_labels_match(selector, svc.namespace, pods) and not any(
                o.namespace == svc.namespace and operator_selects(selector, o, labels)
                for o, labels in owners):
            wanted = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
            yield ctx.finding(ID, LEVEL, svc,
                              f"selector {{{wanted}}} matches no pod template in namespace "
                              f"'{svc.namespace or 'default'}'", at=("spec", "selector"))


# label -> the workload kinds whose controller puts it on their pods
_CONTROLLER_LABELS = {
    "statefulset.kubernetes.io/pod-name": ("StatefulSet",),
    "apps.kubernetes.io/pod-index": ("StatefulSet",),
    "controller-revision-hash": ("StatefulSet", "DaemonSet"),
    "pod-template-hash": ("Deployment",),
    "pod-template-generation": ("DaemonSet",),
    "job-name": ("Job",), "batch.kubernetes.io/job-name": ("Job",),
    "batch.kubernetes.io/job-completion-index": ("Job",),
}
_NAMED = {"statefulset.kubernetes.io/pod-name", "job-name", "batch.kubernetes.io/job-name"}


def _controller_labels_match(selector: dict[str, Any], namespace: str,
                             pods: list[tuple[Obj, tuple[dict[str, Any], dict[str, Any]]]]) -> bool:
    added = {k: str(v) for k, v in selector.items() if k in _CONTROLLER_LABELS}
    rest = {k: v for k, v in selector.items() if k not in added}
    if not added or not (rest or _NAMED & set(added)):
        return False
    for o, (md, _spec) in pods:
        labels: dict[str, Any] = md["labels"] if isinstance(md.get("labels"), dict) else {}
        if o.namespace != namespace or (rest and not selector_matches(rest, labels)):
            continue
        if not all(o.kind in _CONTROLLER_LABELS[k] for k in added):
            continue
        pod = added.get("statefulset.kubernetes.io/pod-name")
        if pod is not None and not (pod.startswith(f"{o.name}-") and
                                    pod[len(o.name) + 1:].isdigit()):
            continue
        if any(added.get(k, o.name) != o.name for k in ("job-name", "batch.kubernetes.io/job-name")):
            continue
        return True
    return False
