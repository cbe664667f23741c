"""The legacy sort's key path gives the order of its comparison path."""

from __future__ import annotations

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import sort

KINDS = st.sampled_from(["Namespace", "Deployment", "Service", "ConfigMap", "Role",
                         "CustomResourceDefinition", "Widget", "ValidatingWebhookConfiguration"])
APIS = st.sampled_from(["v1", "apps/v1", "example.com/v1", "example.com/v2", "rbac.authorization.k8s.io/v1"])
RES = st.builds(lambda api, kind, name, ns: (api, kind, name, ns), APIS, KINDS,
                st.sampled_from(["a", "b", "c"]), st.sampled_from(["", "x", "y"]))


def _map(items):
    seen, out = set(), []
    for api, kind, name, ns in items:
        md = {"name": name, **({"namespace": ns} if ns else {})}
        res = Resource({"apiVersion": api, "kind": kind, "metadata": md})
        if res.cur_id.key() not in seen:        # ids must be unique in a map
            seen.add(res.cur_id.key())
            out.append(res)
    return ResMap(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(RES, max_size=12))
def test_sort_equals_the_comparison_order(items):
    got = _map(items)
    sort.SortOrder(sort.LEGACY).transform(got)
    ranks = {k: i - len(sort.ORDER_FIRST) for i, k in enumerate(sort.ORDER_FIRST)}
    ranks.update({k: 1 + i for i, k in enumerate(sort.ORDER_LAST)})
    assert [r.cur_id for r in got] == [r.cur_id for r in _by_comparison(_map(items), ranks)]


def _by_comparison(resmap, ranks):
    def gvk_less(a, b):
        ra, rb = ranks.get(a.kind, 0), ranks.get(b.kind, 0)
        if ra != rb:
            return ra < rb
        if a.kind == "Namespace" and b.kind == "Namespace" and (not a.group or not b.group):
            return sort._gvk_string(a) > sort._gvk_string(b)
        return sort._gvk_string(a) < sort._gvk_string(b)

    def compare(x, y):
        a, b = x.cur_id, y.cur_id
        if a.gvk != b.gvk:
            if gvk_less(a.gvk, b.gvk):
                return -1
            return 1 if gvk_less(b.gvk, a.gvk) else 0
        sa, sb = sort._id_string(a), sort._id_string(b)
        return -1 if sa < sb else (1 if sa > sb else 0)

    return sorted(resmap, key=functools.cmp_to_key(compare))
