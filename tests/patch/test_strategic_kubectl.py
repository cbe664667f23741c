"""Differential tests: our strategic merge against `kubectl kustomize` on the same inputs."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lamina.patch.strategic import apply_strategic_merge
from lamina.yaml import dump_all, load_all

KUBECTL = "/work/venv/bin/kubectl"
pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL) and not shutil.which("kubectl"),
                                reason="kubectl (the oracle) is not installed")

_DEP_HEAD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
"""

# (resource spec.template.spec body, patch spec.template.spec body), both indented 6.
SCENARIOS = {
    "env-order": (
        """      containers:
      - name: a
        image: a
        env: [{name: A, value: "1"}, {name: B, value: "2"}, {name: C, value: "3"}]
""",
        """      containers:
      - name: a
        env: [{name: NEW1, value: n}, {name: B, value: "22"}, {name: NEW2, value: n}]
"""),
    "element-replace-is-ignored": (
        """      containers:
      - {name: a, image: a, args: [x]}
      - {name: b, image: b}
""",
        """      containers:
      - {name: a, image: a2, $patch: replace}
      - {name: new, image: n}
"""),
    "element-delete": (
        """      containers:
      - {name: a, image: a}
      - {name: b, image: b}
""",
        """      containers:
      - {name: a, $patch: delete}
"""),
    "list-replace": (
        """      volumes:
      - {name: v1, emptyDir: {}}
      - {name: v2, emptyDir: {}}
""",
        """      volumes:
      - $patch: replace
      - {name: v3, emptyDir: {}}
"""),
    "list-delete": (
        """      volumes:
      - {name: v1, emptyDir: {}}
      containers: [{name: a, image: a}]
""",
        """      volumes:
      - $patch: delete
"""),
    "ports-multi-key": (
        """      containers:
      - name: a
        ports:
        - {containerPort: 80, protocol: TCP, name: http}
        - {containerPort: 81, protocol: UDP}
        - {containerPort: 82}
""",
        """      containers:
      - name: a
        ports:
        - {containerPort: 80, name: web}
        - {containerPort: 82, protocol: UDP}
        - {containerPort: 90, protocol: TCP}
"""),
    "element-without-key": (
        """      containers:
      - {name: a, image: a}
      - {}
      - {image: nokey}
""",
        """      containers:
      - {name: a, image: a2}
"""),
    "null-deletes-and-atomic-lists": (
        """      tolerations: [{key: a}, {key: b}]
      nodeSelector: {a: b, c: d}
      dnsPolicy: Default
      containers: [{name: a, image: a, args: [x, y]}]
""",
        """      tolerations: [{key: c}]
      nodeSelector: {a: null, e: f}
      dnsPolicy: null
      containers: [{name: a, args: [z]}]
"""),
    "directive-map-replace-and-delete": (
        """      securityContext: {runAsUser: 1, fsGroup: 2}
      affinity: {nodeAffinity: {x: 1}}
      containers: [{name: a, image: a}]
""",
        """      securityContext: {runAsGroup: 3, $patch: replace}
      affinity: {$patch: delete}
"""),
    "new-subtree-with-nulls-and-directives": (
        """      containers: [{name: a, image: a}]
""",
        """      initContainers:
      - {name: i, image: i, command: null}
      - {name: j, $patch: delete}
      hostAliases: {$patch: merge}
"""),
    "primitive-merge-list": (
        """      containers: [{name: a, image: a}]
      readinessGates: [{conditionType: x}]
""",
        """      readinessGates: [{conditionType: y}]
"""),
    "unknown-directives-copied": (
        """      containers: [{name: a, image: a}, {name: b, image: b}]
      finalizers: [x, y]
""",
        """      $setElementOrder/containers: [{name: b}, {name: a}]
      $retainKeys: [containers]
      finalizers: [z]
"""),
}


def _kubectl(tmp_path, resource: str, patch: str) -> str:
    (tmp_path / "dep.yaml").write_text(resource)
    (tmp_path / "p.yaml").write_text(patch)
    (tmp_path / "kustomization.yaml").write_text("resources: [dep.yaml]\npatches:\n- path: p.yaml\n")
    proc = subprocess.run([KUBECTL, "kustomize", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_kubectl(tmp_path, name):
    res_body, patch_body = SCENARIOS[name]
    resource, patch = _DEP_HEAD + res_body, _DEP_HEAD + patch_body
    expected = _kubectl(tmp_path, resource, patch)
    got = apply_strategic_merge(load_all(resource, "dep.yaml")[0], load_all(patch, "p.yaml")[0])
    assert dump_all([got]) == expected
