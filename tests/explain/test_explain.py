"""`lamina explain` names the file:line that set a value, for every kind of layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.api.explain import ExplainOptions, explain
from tests.helpers.trees import write_tree

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - name: MODE
          value: base
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "base/kustomization.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
                                   "resources: [deploy.yaml, svc.yaml.j2]\nvalues: [values.yaml]\n",
        "base/deploy.yaml": DEPLOY,
        "base/values.yaml": "port: 8080\n",
        "base/svc.yaml.j2": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
                            "  ports:\n  - port: {{ values.port }}\n",
        "overlays/prod/kustomization.yaml":
            "resources: [../../base]\n"
            "images:\n- name: nginx\n  newTag: '1.27'\n"
            "patches:\n- path: smp.yaml\n- path: json.yaml\n  target: {kind: Deployment, name: web}\n",
        "overlays/prod/smp.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                                  "spec:\n  template:\n    spec:\n      containers:\n      - name: web\n"
                                  "        env:\n        - name: MODE\n          value: prod\n",
        "overlays/prod/json.yaml": "- op: replace\n  path: /spec/replicas\n  value: 5\n",
    })


def _where(root: Path, resource: str, field: str) -> list[str]:
    e = explain(ExplainOptions("prod", resource, field, project_dir=str(root)))
    return [str(ev.where) for ev in e.events]


def test_value_set_by_the_base(root: Path) -> None:
    # The field's own line and column, not the line the document starts on.
    assert _where(root, "Deployment/web", "metadata.name") == ["base/deploy.yaml:4:3"]


def test_value_set_by_a_strategic_merge_patch(root: Path) -> None:
    where = _where(root, "Deployment/web", "spec.template.spec.containers[name=web].env[name=MODE].value")
    assert where == ["base/deploy.yaml:14:11", "overlays/prod/smp.yaml:12:11"]


def test_value_set_by_a_json_patch(root: Path) -> None:
    assert _where(root, "Deployment/web", "spec.replicas") == ["base/deploy.yaml:6:3",
                                                               "overlays/prod/json.yaml:3:3"]


def test_value_set_by_the_images_transformer(root: Path) -> None:
    where = _where(root, "Deployment/web", "spec.template.spec.containers[0].image")
    assert where == ["base/deploy.yaml:11:9", "overlays/prod/kustomization.yaml:3"]


def test_value_from_a_values_file(root: Path) -> None:
    e = explain(ExplainOptions("prod", "Service/web", "spec.ports[0].port", project_dir=str(root)))
    assert e.final == 8080
    assert [(k, str(s)) for k, s in e.values_origin] == [("port", "base/values.yaml:1:1")]


def test_unknown_resource_is_a_clear_error(root: Path) -> None:
    from lamina.explain.tracer import ExplainError
    with pytest.raises(ExplainError, match="no Deployment named 'api'"):
        explain(ExplainOptions("prod", "Deployment/api", "spec.replicas", project_dir=str(root)))
