"""service-selector: a Service's selector matches at least one pod template in its namespace.

A selector that matches nothing sends traffic nowhere; it usually means a label was renamed
in one file and not the other. Services without a selector (ExternalName, or endpoints
managed by hand) are not checked, nor are Services selecting pods an operator makes from a
custom resource in the namespace (labels its spec declares, or its name as a label value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import (ERROR, Context, Finding, PodIndex, operator_pods,
                                operator_selects, pod_template, selector_matches)

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
        if not matched and not any(
                o.namespace == svc.namespace and operator_selects(selector, o, labels)
                for o, labels in owners):
            wanted = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
            yield ctx.finding(ID, LEVEL, svc,
                              f"selector {{{wanted}}} matches no pod template in namespace "
                              f"'{svc.namespace or 'default'}'", at=("spec", "selector"))
