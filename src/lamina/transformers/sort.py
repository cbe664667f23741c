"""SortOrderTransformer: Kustomize's `legacy` resource order, or input order (`fifo`).

`kubectl kustomize` sorts with the legacy order unless the top-level kustomization sets
`sortOptions`. The legacy order ranks kinds by two lists (first / last), then compares
"group_version_kind" strings, then "Kind.version.group|namespace|name" strings.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from lamina.errors import KustomizationError
from lamina.model.resid import ORDER_FIRST, ORDER_LAST, Gvk, ResId
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext

LEGACY, FIFO = "legacy", "fifo"


def _gvk_string(g: Gvk) -> str:
    return "_".join((g.group or "~G", g.version or "~V", g.kind or "~K"))


def _id_string(rid: ResId) -> str:
    return "|".join((str(rid.gvk), rid.namespace or "~X", rid.name or "~N"))


@dataclass(frozen=True)
class SortOrder:
    order: str
    first: tuple[str, ...] = ORDER_FIRST
    last: tuple[str, ...] = ORDER_LAST

    def transform(self, resmap: ResMap) -> None:
        if self.order != LEGACY:
            return
        ranks = {k: i - len(self.first) for i, k in enumerate(self.first)}
        ranks.update({k: 1 + i for i, k in enumerate(self.last)})

        def gvk_less(a: Gvk, b: Gvk) -> bool:
            ra, rb = ranks.get(a.kind, 0), ranks.get(b.kind, 0)
            if ra != rb:
                return ra < rb
            # Kustomize reverses the comparison between two Namespace kinds when one of
            # them has no group; kept for byte compatibility.
            if a.kind == "Namespace" and b.kind == "Namespace" and (not a.group or not b.group):
                return _gvk_string(a) > _gvk_string(b)
            return _gvk_string(a) < _gvk_string(b)

        def compare(x: tuple[ResId, Any], y: tuple[ResId, Any]) -> int:
            a, b = x[0], y[0]
            if a.gvk != b.gvk:
                if gvk_less(a.gvk, b.gvk):
                    return -1
                return 1 if gvk_less(b.gvk, a.gvk) else 0
            sa, sb = _id_string(a), _id_string(b)
            return -1 if sa < sb else (1 if sa > sb else 0)

        keyed = [(r.cur_id, r) for r in resmap]
        gvks = {rid.gvk for rid, _ in keyed}
        if (len({_gvk_string(g) for g in gvks}) == len(gvks)
                and sum(1 for g in gvks if g.kind == "Namespace") <= 1):
            # Without the Namespace quirk or two gvks spelled alike, the comparison is
            # this key's: one key per resource instead of a Python call per comparison.
            keyed.sort(key=lambda x: (ranks.get(x[0].gvk.kind, 0), _gvk_string(x[0].gvk),
                                      _id_string(x[0])))
        else:
            keyed.sort(key=functools.cmp_to_key(compare))
        resmap.set_items([r for _, r in keyed])


def make(config: dict[str, Any], ctx: PluginContext | None = None) -> SortOrder:
    options = config.get("sortOptions")
    if options is None:
        return SortOrder(FIFO)
    if not isinstance(options, dict):
        raise KustomizationError("Failed to unmarshal SortOrderTransformer config: "
                                 "sortOptions must be a map")
    order = options.get("order")
    legacy = options.get("legacySortOptions")
    if order not in (FIFO, LEGACY):
        raise KustomizationError(
            f"the field 'sortOptions.order' must be one of [{FIFO}, {LEGACY}]")
    if order == FIFO and legacy is not None:
        raise KustomizationError(
            "the field 'sortOptions.legacySortOptions' is set but the selected sort order "
            f"is '{order}', not 'legacy'")
    if order == LEGACY and isinstance(legacy, dict):
        return SortOrder(LEGACY, tuple(legacy.get("orderFirst") or ()),
                         tuple(legacy.get("orderLast") or ()))
    return SortOrder(order)
