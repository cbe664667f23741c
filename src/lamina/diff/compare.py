"""Comparing two sets of rendered resources, environment by environment: what `lamina diff`
shows. The sets are given (lamina/api/diff.py renders and reads them); this module only
pairs and compares them."""

from __future__ import annotations

import re
from typing import Any, Callable

from lamina.diff.model import EnvironmentDiff, diff_resources
from lamina.diff.sources import Side
from lamina.errors import LaminaError
from lamina.model.objref import ObjectRef


class DiffError(LaminaError):
    """The comparison asked for cannot be made."""


def _normalizer(ignore_namespace: bool,
                ignore_prefix: str | None) -> Callable[[ObjectRef], ObjectRef]:
    prefix = re.compile(ignore_prefix) if ignore_prefix else None

    def norm(ref: ObjectRef) -> ObjectRef:
        return ObjectRef(ref.group, ref.kind, "" if ignore_namespace else ref.namespace,
                         prefix.sub("", ref.name, count=1) if prefix is not None else ref.name)
    return norm


def _strip(objs: list[dict[str, Any]], ignore_namespace: bool,
           ignore_prefix: str | None) -> list[dict[str, Any]]:
    """For --envs: drop what is expected to differ, so only real differences remain."""
    if not (ignore_namespace or ignore_prefix):
        return objs
    norm = _normalizer(ignore_namespace, ignore_prefix)
    out = []
    for o in objs:
        o = dict(o)
        md = dict(o.get("metadata") or {})
        ref = norm(ObjectRef(namespace=md.get("namespace", ""), name=md.get("name", "")))
        if ignore_namespace:
            md.pop("namespace", None)
        md["name"] = ref.name
        o["metadata"] = md
        out.append(o)
    return out


def compare_environments(side: Side, a: str, b: str, ignore_fields: tuple[str, ...] = (),
                         only: tuple[tuple[str, str], ...] = (), ignore_namespace: bool = False,
                         ignore_prefix: str | None = None) -> EnvironmentDiff:
    """Environment `a`'s resources (its clusters' too) against environment `b`'s, less the
    namespace and name prefix when asked (`lamina diff --envs A B`)."""
    left = [k for k in side if k == a or k.startswith(a + "/")]
    right = [k for k in side if k == b or k.startswith(b + "/")]
    old = [o for k in left for o in side[k]]
    new = [o for k in right for o in side[k]]
    return diff_resources(f"{a} -> {b}", _strip(old, ignore_namespace, ignore_prefix),
                          _strip(new, ignore_namespace, ignore_prefix), ignore_fields, only)


def compare_sides(base: Side, head: Side, environments: tuple[str, ...] = (),
                  ignore_fields: tuple[str, ...] = (),
                  only: tuple[tuple[str, str], ...] = ()) -> list[EnvironmentDiff]:
    """Each target's resources in `base` against those in `head` (only the targets of
    `environments` when some are named), in target order."""
    out = []
    for env in sorted(set(base) | set(head)):
        if environments and env.split("/")[0] not in environments:
            continue
        out.append(diff_resources(env, base.get(env, []), head.get(env, []), ignore_fields,
                                  only))
    return out
