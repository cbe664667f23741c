"""End-to-end differential tests of the patch plugins: `lamina build` against `kubectl kustomize`."""

from __future__ import annotations

import pytest

from tests.helpers.cli import run_lamina

_RES = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data: {k: v}
"""

_SMP_WEB = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
"""

SCENARIOS: dict[str, dict[str, str]] = {
    "untargeted-smp": {"kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n",
                       "p.yaml": _SMP_WEB},
    "untargeted-smp-no-match": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n",
        "p.yaml": _SMP_WEB.replace("name: web", "name: nope")},
    "targeted-smp-several": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n  target: {kind: Deployment}\n",
        "p.yaml": "kind: Deployment\nmetadata: {name: ignored, namespace: other}\nspec: {replicas: 2}\n"},
    "targeted-by-label-and-regex": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n"
                              "  target: {labelSelector: 'app in (web)', name: 'w.*'}\n",
        "p.yaml": _SMP_WEB},
    "targeted-smp-no-match": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n  target: {kind: Nope}\n",
        "p.yaml": _SMP_WEB},
    "multi-doc-with-target": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n  target: {kind: Deployment}\n",
        "p.yaml": _SMP_WEB + "---\n" + _SMP_WEB.replace("web", "api")},
    "multi-doc-without-target": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n",
        "p.yaml": _SMP_WEB + "---\n" + _SMP_WEB.replace("web", "api")},
    "rename-not-allowed": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n  target: {name: web}\n",
        "p.yaml": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web2}\n"},
    "rename-allowed": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n  target: {name: web}\n"
                              "  options: {allowNameChange: true, allowKindChange: true}\n",
        "p.yaml": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web2}\n"},
    "delete-targeted": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n  target: {kind: Deployment}\n",
        "p.yaml": "kind: Deployment\nmetadata: {name: x}\n$patch: delete\n"},
    "delete-untargeted": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- patch: |-\n    kind: ConfigMap\n"
                              "    apiVersion: v1\n    metadata: {name: cm}\n    $patch: delete\n"},
    "json-inline-yaml": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- target: {kind: ConfigMap}\n  patch: |-\n"
                              "    - {op: add, path: /data/x, value: on}\n"
                              "    - {op: replace, path: /metadata/name, value: cm2}\n"},
    "json-without-target": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/data\"}]'\n"},
    "json-failing-op": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- target: {kind: ConfigMap}\n"
                              "  patch: '[{\"op\": \"remove\", \"path\": \"/nope\"}]'\n"},
    "neither-smp-nor-json": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- target: {kind: ConfigMap}\n"
                              "  patch: 'metadata: {labels: {a: b}}'\n"},
    "comment-only-patch": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n", "p.yaml": "# nothing\n"},
    "psm-inline-and-file": {
        "kustomization.yaml": "resources: [r.yaml]\npatchesStrategicMerge:\n- p.yaml\n- |-\n"
                              "  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n  data: {k: null, n: m}\n",
        "p.yaml": _SMP_WEB},
    "psm-no-match": {
        "kustomization.yaml": "resources: [r.yaml]\npatchesStrategicMerge:\n- p.yaml\n",
        "p.yaml": _SMP_WEB.replace("web", "nope")},
    "psm-after-prefix": {
        "base/kustomization.yaml": "resources: [r.yaml]\nnamePrefix: p-\n", "base/r.yaml": _RES,
        "kustomization.yaml": "resources: [base]\npatchesStrategicMerge:\n- p.yaml\n",
        "p.yaml": _SMP_WEB},
    "json6902-legacy": {
        "kustomization.yaml": "resources: [r.yaml]\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: cm}\n"
                              "  path: j.yaml\n",
        "j.yaml": "- op: add\n  path: /data/y\n  value: '1'\n"},
    "json6902-no-name": {
        "kustomization.yaml": "resources: [r.yaml]\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap}\n"
                              "  path: j.yaml\n",
        "j.yaml": "- op: add\n  path: /data/y\n  value: '1'\n"},
    "namespace-kept": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n",
        "p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, labels: {x: y}}\n"},
    "namespaced-base-and-selector": {
        "base/kustomization.yaml": "resources: [r.yaml]\nnamespace: prod\n", "base/r.yaml": _RES,
        "kustomization.yaml": "resources: [base]\npatches:\n- path: p.yaml\n"
                              "- path: p.yaml\n  target: {namespace: prod, kind: ConfigMap}\n",
        "p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: prod}\ndata: {n: m}\n"},
    "list-of-patches": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: p.yaml\n",
        "p.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
                  "  metadata: {name: cm}\n  data: {x: y}\n"},
    "json-yaml-with-leading-comment": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- path: j.yaml\n  target: {name: cm}\n",
        "j.yaml": "# a comment\n- op: add\n  path: /data/z\n  value: \"1\"\n"},
    "psm-multi-doc": {
        "kustomization.yaml": "resources: [r.yaml]\npatchesStrategicMerge:\n- p.yaml\n",
        "p.yaml": _SMP_WEB + "---\n" + _SMP_WEB.replace("web", "api").replace("3", "4")},
    "rename-then-select-old-and-new-name": {
        "kustomization.yaml": "resources: [r.yaml]\npatches:\n- target: {name: web}\n"
                              "  options: {allowNameChange: true}\n"
                              "  patch: 'kind: Deployment\n\n    metadata: {name: web2}'\n"
                              "- target: {name: web}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/paused\", \"value\": true}]'\n"
                              "- target: {name: web2}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/minReadySeconds\", \"value\": 5}]'\n"},
}



@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_kubectl(tmp_path, name, kubectl_kustomize):
    files = {"r.yaml": _RES, **SCENARIOS[name]}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    oracle, ours = kubectl_kustomize(tmp_path), run_lamina("build", tmp_path)
    rc_k, out_k = oracle.returncode, oracle.stdout
    rc_l, out_l = ours.returncode, ours.stdout
    if rc_k != 0:
        assert rc_l != 0, out_l
    else:
        assert rc_l == 0
        assert out_l == out_k
