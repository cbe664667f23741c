"""Kyverno and Gatekeeper policies through `lamina check`: levels, fields, skipped rules,
unsupported features reported (never a silent pass), data.inventory per environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.checks.api import check_project
from tests.helpers.trees import write_tree

pytest.importorskip("regorus", reason="the lamina[policy] extra is not installed")

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:latest
"""

KYVERNO = """apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: disallow-latest-tag}
spec:
  validationFailureAction: ACTION
  rules:
  - name: validate-image-tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "Using a mutable image tag e.g. 'latest' is not allowed."
      pattern: {spec: {containers: [{image: "!*:latest"}]}}
  - name: add-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate: {patchStrategicMerge: {metadata: {labels: {x: y}}}}
"""

TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8suniquename}
spec:
  crd: {spec: {names: {kind: K8sUniqueName}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8suniquename
      violation[{"msg": msg}] {
        name := input.review.object.metadata.name
        other := data.inventory.namespace[ns][_]["ConfigMap"][name]
        ns != input.review.object.metadata.namespace
        msg := sprintf("ConfigMap name %v is also used in namespace %v", [name, ns])
      }
"""

CONSTRAINT = """apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sUniqueName
metadata: {name: unique-configmaps}
spec:
  enforcementAction: ACTION
  match: {kinds: [{apiGroups: [""], kinds: [ConfigMap]}]}
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    base = {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOY,
        "overlays/dev/kustomization.yaml": "namespace: dev\nresources: [../../base]\n",
        "lamina.yaml": "policies: [policies]\n",
    }
    base.update(files)
    return write_tree(tmp_path / "p", base)


def _findings(root: Path) -> list:
    return [f for f in check_project(str(root)).findings if f.check == "admission-policy"]


def test_kyverno_enforce_points_at_the_field_and_lists_mutate_as_skipped(tmp_path: Path) -> None:
    found = _findings(_project(tmp_path, {"policies/k.yaml": KYVERNO.replace("ACTION", "Enforce")}))
    fail = [f for f in found if "validate-image-tag" in f.message]
    assert len(fail) == 1 and fail[0].level == "error"
    assert fail[0].resource == "Deployment/dev/web"
    assert "(autogen-validate-image-tag)" in fail[0].message
    assert str(fail[0].source) == "base/deploy.yaml:12:9"         # the image field
    skipped = [f for f in found if "add-label" in f.message]
    assert len(skipped) == 1 and skipped[0].level == "warning" and "skipped" in skipped[0].message
    assert str(skipped[0].source) == "policies/k.yaml:1"


def test_kyverno_audit_is_a_warning(tmp_path: Path) -> None:
    found = _findings(_project(tmp_path, {"policies/k.yaml": KYVERNO.replace("ACTION", "Audit")}))
    assert {f.level for f in found} == {"warning"}


def test_kyverno_context_from_the_cluster_is_reported(tmp_path: Path) -> None:
    policy = KYVERNO.replace("ACTION", "Enforce").replace(
        "    validate:\n      message: \"Using",
        "    context: [{name: cm, configMap: {name: x, namespace: y}}]\n    validate:\n      message: \"Using", 1)
    found = _findings(_project(tmp_path, {"policies/k.yaml": policy}))
    assert any("cannot reach offline" in f.message and f.level == "error" for f in found)


@pytest.mark.parametrize("action,level", [("deny", "error"), ("warn", "warning"), ("dryrun", "warning")])
def test_gatekeeper_inventory_is_the_environments_render(tmp_path: Path, action: str, level: str) -> None:
    cms = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: a}\n---\n"
           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: b}\n")
    root = _project(tmp_path, {
        "policies/t.yaml": TEMPLATE, "policies/c.yaml": CONSTRAINT.replace("ACTION", action),
        "overlays/prod/kustomization.yaml": "resources: [../../base, cms.yaml]\n",
        "overlays/prod/cms.yaml": cms})
    found = _findings(root)
    assert {(f.environment, f.resource, f.level) for f in found} == {
        ("prod", "ConfigMap/a/shared", level), ("prod", "ConfigMap/b/shared", level)}
    assert all(f.message.startswith("K8sUniqueName/unique-configmaps (k8suniquename): ConfigMap name shared")
               for f in found)


def test_gatekeeper_without_rego_or_template_is_an_error(tmp_path: Path) -> None:
    cel_only = TEMPLATE.replace("    rego: |", "    code:\n    - engine: K8sNativeValidation\n"
                                "      source: {validations: [{expression: 'true'}]}\n    x: |")
    root = _project(tmp_path, {"policies/t.yaml": cel_only,
                               "policies/c.yaml": CONSTRAINT.replace("ACTION", "deny"),
                               "policies/other.yaml": CONSTRAINT.replace("K8sUniqueName", "K8sMissing")})
    found = _findings(root)
    messages = " | ".join(f.message for f in found)
    assert "unsupported here" in messages and "no ConstraintTemplate defines kind K8sMissing" in messages
    assert all(f.level == "error" for f in found)
