"""Handing CEL only the parts of an object its expressions read (policies/celshape.py)
changes no result: the same values, the same missing fields, the same errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("cel", reason="the lamina[policy] extra is not installed")

from lamina.policies import k8scel  # noqa: E402
from lamina.policies.celshape import Shape, paths  # noqa: E402

EXPRESSIONS = [
    "object.spec.replicas <= 3",
    "has(object.spec.replicas) && object.spec.replicas > 1",
    "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))",
    "object.spec.template.spec.containers.exists(c, has(c.securityContext) && c.securityContext.privileged == true)",
    "object.spec.template.spec.containers.map(c, c.name).exists(n, n == 'web')",
    "'app' in object.metadata.labels && object.metadata.labels['app'] == 'web'",
    "object.metadata.labels.all(k, k.startsWith('a'))",
    "object.?spec.?replicas.orValue(1) >= 1",
    "size(object.spec) > 1",
    "object.spec.template.spec.containers.all(c, c.ports.all(p, p.containerPort > 80))",
    "[1, 2].all(object, object > 0) && object.kind == 'Deployment'",
    "request.operation == 'CREATE' && params.limit >= 2",
    "string(object.spec)",
]

_names = st.sampled_from(["web", "db", "side"])
_container = st.fixed_dictionaries({"name": _names}, optional={
    "image": st.sampled_from(["nginx", "nginx:latest", "r/x:1"]),
    "securityContext": st.fixed_dictionaries({}, optional={"privileged": st.booleans()}),
    "ports": st.lists(st.fixed_dictionaries({"containerPort": st.integers(0, 200)}), max_size=2),
    "env": st.lists(st.fixed_dictionaries({"name": _names, "value": _names}), max_size=2)})
_object = st.fixed_dictionaries({"apiVersion": st.just("apps/v1"), "kind": st.just("Deployment")}, optional={
    "metadata": st.fixed_dictionaries({"name": _names}, optional={
        "labels": st.dictionaries(st.sampled_from(["app", "abc", "team"]), _names, max_size=3)}),
    "spec": st.fixed_dictionaries({}, optional={
        "replicas": st.integers(0, 5),
        "template": st.fixed_dictionaries({}, optional={"spec": st.fixed_dictionaries({}, optional={
            "containers": st.lists(_container, max_size=3)})})})})


def _outcome(expression: str, variables: dict[str, Any]) -> Any:
    compiled = k8scel.compile_expression(expression, "test")
    try:
        return ("value", k8scel.evaluate(compiled, variables))
    except k8scel.EvalError:
        return ("error",)


@settings(max_examples=150, deadline=None)
@given(obj=_object, which=st.integers(0, len(EXPRESSIONS) - 1))
def test_pruned_variables_give_the_same_outcome(obj: dict[str, Any], which: int) -> None:
    expression = EXPRESSIONS[which]
    compiled = k8scel.compile_expression(expression, "test")
    shape = k8scel.shape_of([compiled])
    variables = {"object": obj, "request": {"operation": "CREATE", "name": "x"},
                 "params": {"limit": 3, "other": [1, 2]}}
    whole = _outcome(expression, dict(variables))
    pruned = _outcome(expression, k8scel.pruned(shape, variables))
    assert pruned == whole


def test_paths_follow_selections_and_macro_variables() -> None:
    found = paths(k8scel.rewrite(
        "object.spec.containers.all(c, c.image != '' && c.ports.exists(p, p.port > 0))"))
    assert (("object", "spec", "containers", "*", "image"), True) in found
    assert (("object", "spec", "containers", "*", "ports", "*", "port"), True) in found


@pytest.mark.parametrize("expression", ["size(object) > 0", "object['spec'] != null",
                                        "[object].size() == 1", "f(`object`)"])
def test_any_other_use_keeps_the_root_whole(expression: str) -> None:
    shape = Shape()
    shape.add(expression)
    obj = {"a": {"b": 1}, "c": [1]}
    assert shape.prune("object", obj) == obj
