"""Strategic merge: unit behaviour and laws."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.errors import ResourceError
from lamina.patch.openapi import SchemaIndex
from lamina.patch.strategic import apply_strategic_merge


def _dep(spec: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": spec}}}


def _spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def test_merge_list_by_key_puts_patch_items_first():
    target = _dep({"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]})
    patch = _dep({"containers": [{"name": "b", "image": "b2"}, {"name": "c", "image": "c"}]})
    out = apply_strategic_merge(target, patch)
    assert _spec(out)["containers"] == [{"name": "b", "image": "b2"}, {"name": "c", "image": "c"},
                                        {"name": "a", "image": "a"}]


def test_list_without_merge_strategy_is_replaced():
    target = _dep({"tolerations": [{"key": "a"}], "containers": [{"name": "a", "args": ["x"]}]})
    patch = _dep({"tolerations": [{"key": "b"}], "containers": [{"name": "a", "args": ["y"]}]})
    out = _spec(apply_strategic_merge(target, patch))
    assert out["tolerations"] == [{"key": "b"}]
    assert out["containers"] == [{"name": "a", "args": ["y"]}]


def test_unknown_kind_replaces_lists_and_merges_maps():
    target = {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"},
              "spec": {"list": [{"name": "a"}], "map": {"a": 1}}}
    patch = {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"},
             "spec": {"list": [{"name": "b"}], "map": {"b": 2}}}
    out = apply_strategic_merge(target, patch)
    assert out["spec"] == {"list": [{"name": "b"}], "map": {"a": 1, "b": 2}}


def test_null_deletes_and_top_level_delete():
    target = _dep({"dnsPolicy": "x", "nodeSelector": {"a": "b"}})
    out = apply_strategic_merge(target, _dep({"dnsPolicy": None, "nodeSelector": None}))
    assert _spec(out) == {}
    assert apply_strategic_merge(target, {**_dep({}), "$patch": "delete"}) is None


def test_directives_on_maps_and_lists():
    target = _dep({"securityContext": {"a": 1, "b": 2},
                   "volumes": [{"name": "v1"}, {"name": "v2"}]})
    patch = _dep({"securityContext": {"c": 3, "$patch": "replace"},
                  "volumes": [{"$patch": "replace"}, {"name": "v3"}]})
    out = _spec(apply_strategic_merge(target, patch))
    assert out["securityContext"] == {"c": 3}
    assert out["volumes"] == [{"name": "v3"}]
    out = _spec(apply_strategic_merge(target, _dep({"volumes": [{"name": "v1", "$patch": "delete"}]})))
    assert out["volumes"] == [{"name": "v2"}]


def test_unknown_directive_is_an_error():
    with pytest.raises(ResourceError, match="unknown patch strategy"):
        apply_strategic_merge(_dep({"securityContext": {"a": 1}}),
                              _dep({"securityContext": {"$patch": "nope"}}))


def test_kind_mismatch_is_an_error():
    with pytest.raises(ResourceError, match="wrong node kind"):
        apply_strategic_merge(_dep({"securityContext": {"a": 1}}), _dep({"securityContext": "x"}))


def test_unimplemented_directives_are_plain_fields():
    patch = _dep({"$setElementOrder/containers": [{"name": "a"}], "$retainKeys": ["x"]})
    out = _spec(apply_strategic_merge(_dep({}), patch))
    assert out == {"$setElementOrder/containers": [{"name": "a"}], "$retainKeys": ["x"]}


def test_inputs_are_not_mutated():
    target = _dep({"containers": [{"name": "a"}]})
    patch = _dep({"containers": [{"name": "a", "$patch": "delete"}]})
    t0, p0 = copy.deepcopy(target), copy.deepcopy(patch)
    apply_strategic_merge(target, patch)
    assert (target, patch) == (t0, p0)


def test_explicit_schema_type_overrides_target():
    idx = SchemaIndex({})
    out = apply_strategic_merge(_dep({"containers": [{"name": "a"}]}),
                                _dep({"containers": [{"name": "b"}]}), idx)
    assert _spec(out)["containers"] == [{"name": "b"}]   # no schema: lists replaced


# ---- laws -------------------------------------------------------------------

_names = st.text(alphabet="abcdef", min_size=1, max_size=3)
_scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text(alphabet="xyz", min_size=1, max_size=3))
_env = st.lists(st.fixed_dictionaries({"name": _names, "value": st.text(alphabet="pq", max_size=2)}),
                max_size=3, unique_by=lambda e: e["name"])
_container = st.fixed_dictionaries(
    {"name": _names, "image": _names},
    optional={"env": _env, "args": st.lists(_names, max_size=3),
              "ports": st.lists(st.fixed_dictionaries({"containerPort": st.integers(1, 5)},
                                                      optional={"protocol": st.sampled_from(["TCP", "UDP"])}),
                                max_size=3, unique_by=lambda p: p["containerPort"])})
_podspec = st.fixed_dictionaries(
    {"containers": st.lists(_container, min_size=1, max_size=3, unique_by=lambda c: c["name"])},
    optional={"nodeSelector": st.dictionaries(_names, _names, min_size=1, max_size=2),
              "dnsPolicy": _names,
              "tolerations": st.lists(st.fixed_dictionaries({"key": _names}), max_size=2),
              "extra": st.dictionaries(_names, _scalars, min_size=1, max_size=3)})


@settings(max_examples=150, deadline=None)
@given(spec=_podspec)
def test_empty_patch_changes_nothing(spec):
    target = _dep(spec)
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    assert apply_strategic_merge(target, patch) == target


@settings(max_examples=150, deadline=None)
@given(spec=_podspec)
def test_patching_with_itself_changes_nothing(spec):
    target = _dep(spec)
    assert apply_strategic_merge(target, copy.deepcopy(target)) == target


@settings(max_examples=150, deadline=None)
@given(spec=_podspec, patch=_podspec)
def test_patch_is_idempotent(spec, patch):
    once = apply_strategic_merge(_dep(spec), _dep(patch))
    assert apply_strategic_merge(once, _dep(patch)) == once


_any = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", "delete", "replace", ""]),
    lambda c: st.lists(c, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "image", "containerPort", "protocol", "$patch",
                                       "containers", "ports", "env", "x"]), c, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(target=_any, patch=_any)
def test_arbitrary_input_fails_only_with_lamina_errors(target, patch):
    from lamina.errors import LaminaError
    t = _dep({"containers": [target]}) if not isinstance(target, dict) else _dep(target)
    p = _dep({"containers": patch if isinstance(patch, list) else [patch]})
    try:
        apply_strategic_merge(t, p)
    except LaminaError:
        pass
