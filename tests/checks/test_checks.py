"""Every check against a fixture it must pass and one it must catch (YAML in, findings out)."""

from __future__ import annotations

import pytest
import yaml

from lamina.checks import registry
from lamina.checks.base import Context, Obj
from lamina.checks.config import rules
from lamina.checks.runner import run

GOOD_POD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true}
      serviceAccountName: web
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 8080, name: http}]
        envFrom: [{configMapRef: {name: web-config}}]
        livenessProbe: {httpGet: {path: /, port: http}}
        readinessProbe: {httpGet: {path: /, port: http}}
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
        securityContext: {readOnlyRootFilesystem: true}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {MODE: production}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
"""


def _objs(text: str) -> tuple[Obj, ...]:
    return tuple(Obj(d) for d in yaml.safe_load_all(text) if d)


def _mutate(edit) -> str:
    docs = [d for d in yaml.safe_load_all(GOOD_POD) if d]
    edit(docs)
    return yaml.safe_dump_all(docs)


def _findings(check_id: str, text: str, **ctx) -> list:
    module = registry.load(check_id)
    context = Context(environment="prod", objects=_objs(text), **ctx)
    return list(module.check(context, module.Options()))


def _container(docs):
    return docs[0]["spec"]["template"]["spec"]["containers"][0]


BROKEN = {
    "schema": lambda d: d[0]["spec"].update(replica=3),
    "service-selector": lambda d: d[3]["spec"].update(selector={"app": "webb"}),
    "service-target-port": lambda d: d[3]["spec"]["ports"][0].update(targetPort=8081),
    "ingress-backend": lambda d: d[4]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    ["port"].update(number=8080),
    "dangling-reference": lambda d: _container(d)["envFrom"][0]["configMapRef"].update(name="gone"),
    "duplicate-id": lambda d: d.append(dict(d[2])),
    "image-tag": lambda d: _container(d).update(image="nginx:latest"),
    "resources": lambda d: _container(d).pop("resources"),
    "probes": lambda d: _container(d).pop("readinessProbe"),
    "pod-security": lambda d: _container(d).update(securityContext={"privileged": True}),
    "hardening": lambda d: d[0]["spec"]["template"]["spec"].update(hostNetwork=True),
    "plaintext-secret": lambda d: d.append({"apiVersion": "v1", "kind": "Secret",
                                            "metadata": {"name": "db", "namespace": "shop"},
                                            "stringData": {"password": "hunter2"}}),
    "high-entropy": lambda d: d[2]["data"].update(TOKEN="Zx9qLw2VbT7sKp4mNc8RyA1dHf6Ju3Eg"),
    "scale-target": lambda d: d.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                        "metadata": {"name": "web", "namespace": "shop"},
                                        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1",
                                                                    "kind": "Deployment", "name": "api"},
                                                 "maxReplicas": 3}}),
}


@pytest.mark.parametrize("check_id", sorted(BROKEN))
def test_good_fixture_passes(check_id: str) -> None:
    assert _findings(check_id, GOOD_POD) == []


@pytest.mark.parametrize("check_id", sorted(BROKEN))
def test_broken_fixture_is_caught_with_the_right_id(check_id: str) -> None:
    found = _findings(check_id, _mutate(BROKEN[check_id]))
    assert found and all(f.check == check_id for f in found)


def test_cross_environment_host_is_caught() -> None:
    ctx = {"other_environments": {"dev": ("dev.shop.example.com", "shop-dev")}}
    assert _findings("cross-environment", GOOD_POD, **ctx) == []
    bad = GOOD_POD.replace("host: shop.example.com", "host: dev.shop.example.com")
    found = _findings("cross-environment", bad, **ctx)
    assert [f.check for f in found] == ["cross-environment"]
    assert "belongs to environment 'dev'" in found[0].message


def test_required_labels_is_configurable() -> None:
    module = registry.load("required-labels")
    ctx = Context("prod", _objs(GOOD_POD))
    assert list(module.check(ctx, module.Options())) == []
    found = list(module.check(ctx, module.Options(labels=("team",))))
    assert len(found) == 5 and "team" in found[0].message


def test_secret_values_never_appear_in_messages() -> None:
    found = _findings("plaintext-secret", _mutate(BROKEN["plaintext-secret"]))
    assert all("hunter2" not in f.message for f in found)


def test_allowed_plaintext_secret_passes() -> None:
    assert _findings("plaintext-secret", _mutate(BROKEN["plaintext-secret"]),
                     allow_plaintext_secrets=True) == []


def test_sops_and_sealed_secrets_pass() -> None:
    sops = _mutate(lambda d: d.append({"apiVersion": "v1", "kind": "Secret",
                                       "metadata": {"name": "db"}, "data": {"p": "ENC[...]"},
                                       "sops": {"version": "3.8"}}))
    assert _findings("plaintext-secret", sops) == []


def test_ignore_annotation_needs_a_reason() -> None:
    def ignore(reason):
        return _mutate(lambda d: (BROKEN["probes"](d), d[0]["metadata"].setdefault(
            "annotations", {}).update({"lamina.dev/ignore-checks": reason})))
    ok = run([Context("prod", _objs(ignore("probes: batch worker, no HTTP")))], rules({}))
    assert not [f for f in ok.findings if f.check == "probes"]
    bad = run([Context("prod", _objs(ignore("probes")))], rules({}))
    assert [f.check for f in bad.findings] == ["ignore-annotation", "probes"]


def test_presets_and_levels() -> None:
    strict = {r.check_id: r for r in rules({"preset": "strict"})}
    assert strict["image-tag"].options.require_digest and strict["probes"].level == "error"
    custom = {r.check_id: r for r in rules({"rules": {"probes": {"level": "error"},
                                                      "resources": {"enabled": False}}})}
    assert custom["probes"].level == "error" and not custom["resources"].enabled


def test_unknown_kinds_are_skipped_not_failed() -> None:
    text = GOOD_POD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    result = run([Context("prod", _objs(text))], rules({}))
    assert result.skipped == {"prod": ["example.com/v1/Widget"]} and not result.errors()


def test_custom_resources_are_checked_against_crds_in_the_tree() -> None:
    crd = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
"""
    bad = crd + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n"
    found = _findings("schema", bad)
    assert len(found) == 1 and "size" in found[0].message
