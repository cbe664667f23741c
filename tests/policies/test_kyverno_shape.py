"""Cutting a resource down to the keys Kyverno patterns name (kyverno_pattern.pattern_shape),
which is what remembered results are keyed by, changes no answer: the same pass, the same
failing path, the same skip."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.policies import kyverno_pattern as kp

PATTERNS: list[Any] = [
    {"metadata": {"name": "!*-legacy", "labels": {"app.kubernetes.io/name": "?*"}}},
    {"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}},
    {"spec": {"=(replicas)": ">1 & <4"}},
    {"spec": {"(replicas)": ">2", "template": {"metadata": {"labels": {"team": "?*"}}}}},
    {"metadata": {"labels": {"X(legacy)": "null"}}},
    {"metadata": {"=(annotations)": {"X(fluxcd.io/*)": "*?"}}},
    {"metadata": {"labels": {"app*": "web | db"}}},
    {"metadata": {"labels": {"team": "?*", "app*": "web"}}},
    {"spec": {"template": {"spec": {"^(containers)": [{"name": "web"}]}}}},
    {"spec": {"template": {"spec": {"containers": [{"(name)": "web", "image": "r/*"}]}}}},
    {"spec": {"<(replicas)": "1-3", "template": {}}},
    {"spec": {"template": {"spec": {"containers": [{"ports": [{"containerPort": ">80"}]}]}}}},
    {"spec": {"replicas": "!null", "+(paused)": False}},
    {"spec": {"strategy": {"+(type)": "Recreate"}}},
    {"spec": {"template": {"spec": {"containers": ["web"]}}}},
    {"metadata": {}, "spec": {"strategy": {"type": "RollingUpdate | Recreate | null"}}},
]

_names = st.sampled_from(["web", "db", "side", "x-legacy"])
_labels = st.dictionaries(st.sampled_from(["app", "app.kubernetes.io/name", "team", "legacy", "apps"]),
                          st.one_of(_names, st.just("")), max_size=3)
_container = st.fixed_dictionaries({"name": _names}, optional={
    "image": st.sampled_from(["nginx", "nginx:latest", "r/x:1"]),
    "ports": st.lists(st.fixed_dictionaries({"containerPort": st.integers(0, 200)}), max_size=2)})
_object = st.fixed_dictionaries({"apiVersion": st.just("apps/v1"), "kind": st.just("Deployment")}, optional={
    "metadata": st.fixed_dictionaries({"name": _names}, optional={
        "labels": _labels,
        "annotations": st.dictionaries(st.sampled_from(["fluxcd.io/x", "a", "b"]), _names, max_size=2)}),
    "spec": st.fixed_dictionaries({}, optional={
        "replicas": st.one_of(st.integers(0, 5), st.none(), st.just("2")),
        "paused": st.booleans(),
        "strategy": st.fixed_dictionaries({}, optional={"type": st.sampled_from(["Recreate", "Other"])}),
        "template": st.one_of(st.just([]), st.fixed_dictionaries({}, optional={
            "metadata": st.fixed_dictionaries({}, optional={"labels": _labels}),
            "spec": st.fixed_dictionaries({}, optional={
                "containers": st.one_of(st.lists(_container, max_size=3),
                                        st.lists(_names, max_size=2))})}))})})


def _outcome(pattern: Any, value: Any) -> Any:
    try:
        return ("path", kp.validate(pattern, value))
    except kp.Skip as skip:
        return ("skip", skip.global_)


@settings(max_examples=300, deadline=None)
@given(obj=_object, which=st.sets(st.integers(0, len(PATTERNS) - 1), min_size=1, max_size=3))
def test_a_cut_down_resource_gives_every_pattern_the_same_answer(obj: dict[str, Any],
                                                                 which: set[int]) -> None:
    chosen = [PATTERNS[i] for i in sorted(which)]
    shape = kp.pattern_shape(chosen)        # the union for a run's rules, as evaluate makes it
    cut = shape.prune("object", obj)
    for pattern in chosen:
        assert _outcome(pattern, cut) == _outcome(pattern, obj)


def test_the_cut_keeps_only_named_keys_and_wildcard_maps_whole() -> None:
    shape = kp.pattern_shape([PATTERNS[0], PATTERNS[6]])
    obj = {"kind": "Deployment", "metadata": {"name": "a", "uid": "1", "labels": {"x": "1", "app": "web"}},
           "spec": {"replicas": 3}}
    assert shape.prune("object", obj) == {"metadata": {"name": "a", "labels": {"x": "1", "app": "web"}}}
