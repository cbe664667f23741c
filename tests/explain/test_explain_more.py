"""explain: inline patches name the line inside the kustomization, JSON patches addressed by
index still found for [name=...] paths, multi-document patch files, Secret values redacted."""

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
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: api
        image: nginx:1.25
"""

KUSTOMIZATION = """resources: [../../base]
patches:
- target: {kind: Deployment, name: web}
  patch: |-
    - op: replace
      path: /spec/replicas
      value: 4
    - op: replace
      path: /spec/template/spec/containers/0/image
      value: nginx:1.29
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      minReadySeconds: 7
- path: multi.yaml
secretGenerator:
- name: keys
  literals: [TOKEN=sk_live_topsecret]
"""

MULTI = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        imagePullPolicy: Always
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: api
        imagePullPolicy: IfNotPresent
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOY,
        "overlays/prod/kustomization.yaml": KUSTOMIZATION,
        "overlays/prod/multi.yaml": MULTI,
    })


def _where(root: Path, resource: str, field: str) -> list[str]:
    return [str(ev.where) for ev in explain(ExplainOptions("prod", resource, field, project_dir=str(root))).events]


def test_inline_json_patch_names_its_operation_line(root: Path) -> None:
    assert _where(root, "Deployment/web", "spec.replicas")[-1] == "overlays/prod/kustomization.yaml:7:7"


def test_json_patch_by_index_explains_a_name_keyed_path(root: Path) -> None:
    where = _where(root, "Deployment/web", "spec.template.spec.containers[name=web].image")
    assert where[-1] == "overlays/prod/kustomization.yaml:10:7"


def test_inline_strategic_merge_patch_names_the_field_line(root: Path) -> None:
    assert _where(root, "Deployment/api", "spec.minReadySeconds")[-1] == \
        "overlays/prod/kustomization.yaml:17:7"


def test_multi_document_patch_file_names_the_document_for_that_resource(root: Path) -> None:
    where = _where(root, "Deployment/api", "spec.template.spec.containers[0].imagePullPolicy")
    assert where[-1] == "overlays/prod/multi.yaml:21:9"


def test_secret_values_never_appear(root: Path) -> None:
    for field, line in (("data.TOKEN", 21), ("data", 20)):
        e = explain(ExplainOptions("prod", "Secret/keys", field, project_dir=str(root)))
        out = e.text()
        assert "c2tfbGl2ZV90b3BzZWNyZXQ=" not in out and "topsecret" not in out, out
        assert f"overlays/prod/kustomization.yaml:{line}" in out


def test_generated_values_name_the_literal_env_line_or_file_entry(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "overlays/prod/kustomization.yaml":
            "configMapGenerator:\n"
            "- name: cfg\n"
            "  literals:\n"
            "  - MODE=prod\n"
            "  - LEVEL=debug\n"
            "  envs: [app.env]\n"
            "  files:\n"
            "  - conf.ini\n"
            "  - other=extra.txt\n",
        "overlays/prod/app.env": "# comment\nA=1\nB=2\n",
        "overlays/prod/conf.ini": "[x]\n",
        "overlays/prod/extra.txt": "hello\n",
    })
    for field, want in (("data.LEVEL", "overlays/prod/kustomization.yaml:5"),
                        ("data.B", "overlays/prod/app.env:3"),
                        ("data['conf.ini']", "overlays/prod/kustomization.yaml:8"),
                        ("data.other", "overlays/prod/kustomization.yaml:9")):
        assert _where(root, "ConfigMap/cfg", field) == [want], field


def test_resource_may_be_named_as_diff_prints_it(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOY,
        "overlays/prod/kustomization.yaml": "namespace: shop\nresources: [../../base]\n",
    })
    for name in ("Deployment/web", "Deployment.apps/shop/web", "Deployment/shop/web"):
        e = explain(ExplainOptions("prod", name, "spec.replicas", project_dir=str(root)))
        assert e.final == 1 and e.resource == "Deployment/web", name
    from lamina.explain.tracer import ExplainError
    with pytest.raises(ExplainError, match="no Deployment named 'web' in namespace 'other'"):
        explain(ExplainOptions("prod", "Deployment/other/web", "spec.replicas", project_dir=str(root)))
