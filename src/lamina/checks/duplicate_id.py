"""duplicate-id: no two rendered resources share apiVersion group, kind, namespace and name.

Kustomize refuses duplicates within one build, but environments assembled from several
sources (clusters, extra files) can still collide; the second object would silently win.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import ERROR, Context, Finding

ID = "duplicate-id"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str, str], str] = {}
    for obj in ctx.objects:
        key = (obj.group, obj.kind, obj.namespace, obj.name)
        if key in seen:
            yield ctx.finding(ID, LEVEL, obj, f"{obj.ident} is rendered twice (first from "
                              f"{seen[key]})", (seen[key],))
        else:
            seen[key] = obj.rendered or (str(obj.source) if obj.source else obj.ident)
