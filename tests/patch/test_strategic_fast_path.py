"""The walker leaves subtrees a patch does not mention alone when walking them would
change nothing; with and without that shortcut the merge must give the same result."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.errors import LaminaError
from lamina.patch.strategic import apply_strategic_merge
from lamina.yaml.empty_value import EmptyValueKey

NAMES = st.sampled_from(["a", "b", "web", "side", ""])
SCALARS = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["x", "80", "TCP", ""]),
                    st.booleans())


def ports():
    port = st.fixed_dictionaries(
        {"containerPort": st.one_of(st.integers(79, 81), st.just("80"))},
        optional={"protocol": st.sampled_from(["TCP", "UDP"]), "name": st.sampled_from(["http", "m"])})
    return st.lists(port, max_size=3)


def env():
    return st.lists(st.fixed_dictionaries({}, optional={"name": NAMES, "value": SCALARS}), max_size=3)


def containers():
    c = st.fixed_dictionaries(
        {}, optional={"name": NAMES, "image": st.sampled_from(["nginx", "app:1"]),
                      "ports": ports(), "env": env(), "args": st.lists(st.sampled_from(["-v", "-q"]), max_size=2),
                      "resources": st.fixed_dictionaries({}, optional={"limits": st.fixed_dictionaries(
                          {}, optional={"cpu": SCALARS})})})
    return st.lists(st.one_of(c, st.just({}), st.none()), max_size=3)


def pod_spec():
    return st.fixed_dictionaries(
        {}, optional={"containers": containers(), "initContainers": containers(),
                      "volumes": st.lists(st.fixed_dictionaries({"name": NAMES}, optional={
                          "emptyDir": st.just({})}), max_size=2),
                      "finalizers": st.lists(st.sampled_from(["f", "g"]), max_size=3),
                      "nodeSelector": st.dictionaries(st.sampled_from(["k", "l"]), SCALARS, max_size=2),
                      EmptyValueKey("hostname"): st.none(),
                      "serviceAccountName": SCALARS})


def deployment():
    return st.builds(
        lambda spec, labels: {"apiVersion": "apps/v1", "kind": "Deployment",
                              "metadata": {"name": "web", "labels": labels},
                              "spec": {"template": {"metadata": {"labels": labels}, "spec": spec}}},
        pod_spec(), st.dictionaries(st.sampled_from(["app", "tier"]), SCALARS, max_size=2))


def _merge(target, patch, fast):
    try:
        return ("ok", apply_strategic_merge(target, patch, _fast=fast))
    except LaminaError as exc:
        return ("error", exc.message)


@settings(max_examples=400, deadline=None)
@given(deployment(), deployment())
def test_shortcut_changes_nothing(target, patch):
    assert _merge(target, patch, True) == _merge(target, patch, False)


@settings(max_examples=200, deadline=None)
@given(deployment(), pod_spec())
def test_shortcut_changes_nothing_for_small_patches(target, spec):
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"template": {"spec": spec}}}
    assert _merge(target, patch, True) == _merge(target, patch, False)
