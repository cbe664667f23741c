"""The checks' fast paths answer exactly as the slow ones: the compiled schema predicate
against jsonschema, the pod index against comparing every pod, the cross-environment
prefilter against walking every string."""

from __future__ import annotations

import copy
import random

import jsonschema
import pytest

from lamina.checks import cross_environment, schema, service_selector, service_target_port
from lamina.checks.base import Context, Obj, PodIndex, pod_template, selector_matches
from lamina.checks.fastschema import compile_validator, surely_valid

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                 "annotations": {"a": "b"}},
    "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
        "template": {
            "metadata": {"labels": {"app": "web", "tier": "front"}},
            "spec": {
                "containers": [{
                    "name": "web", "image": "nginx:1.27",
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"},
                            {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}],
                    "resources": {"requests": {"cpu": "100m", "memory": 128}, "limits": {"memory": "1Gi"}},
                    "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
                    "securityContext": {"runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
                }],
                "volumes": [{"name": "v", "configMap": {"name": "c", "optional": True}}],
                "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
            },
        },
    },
}
SERVICE = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"type": "ClusterIP", "selector": {"app": "web"},
                    "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "job"},
           "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
               "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1"}]}}}}}}
CRD = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
       "metadata": {"name": "widgets.example.com"},
       "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"kind": "Widget", "plural": "widgets"},
                "versions": [{"name": "v1", "served": True, "storage": True,
                              "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                  "spec": {"type": "object", "properties": {
                                      "size": {"type": "integer", "minimum": 1}}}}}}}]}}

ODD = [None, True, False, 0, 1, 2.0, 1.5, "x", "80", "", [], {}, [1], {"a": 1}, -3, 10 ** 20,
       float("nan"), "Always", {"name": "x"}]


def _mutate(rng: random.Random, doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    parent, key, node = None, None, doc
    for _ in range(rng.randint(0, 9)):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
        elif isinstance(node, list) and node:
            key = rng.randrange(len(node))
        else:
            break
        parent, node = node, node[key]
    if parent is None:
        return doc
    r = rng.random()
    if r < 0.5:
        parent[key] = copy.deepcopy(rng.choice(ODD))
    elif r < 0.7 and isinstance(parent, dict):
        del parent[key]
    elif isinstance(parent, dict):
        parent[rng.choice(["extra", "name", "value", f"{key}x"])] = copy.deepcopy(rng.choice(ODD))
    return doc


@pytest.mark.parametrize("version, strict", [("1.37", True), ("1.37", False), ("1.28", True)])
def test_compiled_schema_agrees_with_jsonschema(version: str, strict: bool) -> None:
    rng = random.Random(f"{version}{strict}")
    docs = [DEPLOYMENT, SERVICE, CRONJOB, CRD]
    seen = {True: 0, False: 0}
    for _ in range(1500):
        doc = rng.choice(docs)
        for _ in range(rng.randint(0, 3)):
            doc = _mutate(rng, doc)
        validator = schema.validator_for(version, str(doc.get("apiVersion") or ""),
                                         str(doc.get("kind") or ""), strict)
        if validator is None:
            continue
        assert compile_validator(validator) is not None
        try:
            slow = next(validator.iter_errors(doc), None) is None
        except Exception:
            slow = None
        fast = surely_valid(validator, doc)
        assert fast == bool(slow), doc
        seen[fast] += 1
    assert seen[True] > 100 and seen[False] > 100


def test_compiled_schema_handles_recursive_and_composite_schemas() -> None:
    # JSONSchemaProps refers to itself; Quantity and IntOrString are oneOf.
    validator = schema.validator_for("1.37", CRD["apiVersion"], CRD["kind"], True)
    deep = copy.deepcopy(CRD)
    props = deep["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for _ in range(30):
        props["properties"] = {"x": {"type": "object"}}
        props = props["properties"]["x"]
    assert surely_valid(validator, deep)
    bad = copy.deepcopy(deep)
    bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["x"]["type"] = 5
    assert not surely_valid(validator, bad) and next(validator.iter_errors(bad), None) is not None
    quantity = copy.deepcopy(DEPLOYMENT)
    quantity["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = None
    assert surely_valid(schema.validator_for("1.37", "apps/v1", "Deployment", True), quantity) \
        == (next(schema.validator_for("1.37", "apps/v1", "Deployment", True).iter_errors(quantity), None) is None)


@pytest.mark.parametrize("keyword, value", [("minimum", 3), ("pattern", "^a"),
                                            ("patternProperties", {"^a": {}}), ("if", {})])
def test_schemas_with_other_keywords_are_left_to_jsonschema(keyword: str, value) -> None:
    validator = jsonschema.Draft202012Validator({"type": "object", keyword: value})
    assert compile_validator(validator) is None
    assert not surely_valid(validator, {})


def test_compiled_schema_keywords() -> None:
    cases = [
        ({"type": "integer"}, [1, 2.0, True, "1", None, 1.5]),
        ({"type": ["number", "null"]}, [1, 1.5, None, False, "x"]),
        ({"enum": [1, "a", None, [1]]}, [1, True, 1.0, "a", None, [1], [True], "b"]),
        ({"const": False}, [False, 0, None]),
        ({"required": ["a"], "properties": {"a": {"type": "string"}},
          "additionalProperties": False}, [{"a": "x"}, {"a": 1}, {}, {"a": "x", "b": 1}, [], 3]),
        ({"additionalProperties": {"type": "string"}}, [{"a": "x"}, {"a": 1}, {1: "x"}]),
        ({"items": {"type": "string"}}, [["a"], ["a", 1], [], "x"]),
        ({"oneOf": [{"type": "string"}, {"type": ["string", "null"]}]}, ["a", None, 1]),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, ["a", None, 1]),
        ({"allOf": [{"type": "string"}, {"enum": ["a"]}]}, ["a", "b"]),
        ({"not": {"type": "string"}}, ["a", 1]),
        ({"format": "date-time", "type": "string"}, ["not a date"]),
        ({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}},
          "$ref": "#/$defs/n"}, [{"next": {"next": {}}}, {"next": {"next": 1}}]),
    ]
    for schema_doc, instances in cases:
        validator = jsonschema.Draft202012Validator(schema_doc)
        assert compile_validator(validator) is not None, schema_doc
        for instance in instances:
            assert surely_valid(validator, instance) == validator.is_valid(instance), \
                (schema_doc, instance)


def _pods(objects):
    return [(o, t) for o in objects for t in [pod_template(o)] if t is not None]


def test_pod_index_selects_as_comparing_every_pod() -> None:
    rng = random.Random(7)
    objects = []
    for i in range(60):
        labels = {k: rng.choice(["a", "b", 1, True, None]) for k in rng.sample(["x", "y", "z"], 2)}
        d = copy.deepcopy(DEPLOYMENT)
        d["metadata"].update(name=f"d{i}", namespace=rng.choice(["n1", "n2", ""]))
        d["spec"]["template"]["metadata"]["labels"] = labels
        objects.append(Obj(d))
    pods = _pods(objects)
    index = PodIndex(pods)
    assert index.usable
    for _ in range(300):
        selector = {k: rng.choice(["a", "b", 1, "1", "True", None, "None"])
                    for k in rng.sample(["x", "y", "z", "w"], rng.randint(0, 3))}
        ns = rng.choice(["n1", "n2", ""])
        expected = [i for i, (o, (md, _s)) in enumerate(pods)
                    if o.namespace == ns and selector_matches(selector, md.get("labels") or {})]
        assert index.selected(ns, selector) == expected


def test_pod_index_steps_aside_for_malformed_labels() -> None:
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["template"]["metadata"]["labels"] = ["app"]
    ctx = Context("dev", (Obj(SERVICE), Obj(bad)))
    assert not PodIndex(_pods(ctx.objects)).usable
    with pytest.raises(AttributeError):   # as before: the runner retries without it
        list(service_selector.check(ctx, service_selector.Options()))
    with pytest.raises(AttributeError):
        list(service_target_port.check(ctx, service_target_port.Options()))


def _walk_all(ctx: Context) -> list:
    """cross-environment without its prefilter."""
    saved = cross_environment._prefilter
    cross_environment._prefilter = lambda markers: None
    try:
        return list(cross_environment.check(ctx, cross_environment.Options()))
    finally:
        cross_environment._prefilter = saved


@pytest.mark.parametrize("markers", [("shop-prod", "prod.shop.example.com"),
                                     ('we"ird', "new\nline", "shop-prod")])
def test_cross_environment_prefilter_finds_what_the_walk_finds(markers) -> None:
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": {"name": "i", "namespace": "shop-dev"},
           "spec": {"rules": [{"host": "dev.shop.example.com"}],
                    "tls": [{"hosts": ["prod.shop.example.com"]}]}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop-dev"},
          "data": {"url": "http://api.shop-prod.svc.cluster.local", "q": 'we"ird', "n": "new\nline",
                   "ok": "shop-production-like", 1: "shop-prod"}}
    clean = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d", "namespace": "shop-dev"},
             "data": {"a": "b"}}
    moved = copy.deepcopy(clean)
    moved["metadata"]["namespace"] = "shop-prod"
    ctx = Context("dev", tuple(Obj(d) for d in (ing, cm, clean, moved)),
                  other_environments={"prod": markers})
    found = list(cross_environment.check(ctx, cross_environment.Options()))
    assert found == _walk_all(ctx)
    assert len(found) >= 2
