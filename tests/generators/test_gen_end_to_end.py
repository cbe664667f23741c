"""Whole builds that lean on generators, hashing and absorb: `lamina build` vs kubectl."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import run_lamina

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: c
        image: i
        envFrom:
        - configMapRef: {name: cfg}
        - secretRef: {name: sec}
      volumes:
      - name: v
        configMap: {name: cfg}
"""

TREES: dict[str, dict[str, str]] = {
    "overlay-merge-replace-with-prefix-suffix-namespace": {
        "base/kustomization.yaml": (
            "namePrefix: b-\nnamespace: basens\ncommonLabels: {app: x}\n"
            "resources: [dep.yaml]\n"
            "configMapGenerator:\n- name: cfg\n  literals: [a=1]\n"
            "secretGenerator:\n- name: sec\n  literals: [p=1]\n"),
        "base/dep.yaml": DEPLOYMENT,
        "kustomization.yaml": (
            "namePrefix: o-\nnameSuffix: -s\nresources: [base]\n"
            "configMapGenerator:\n- name: cfg\n  namespace: basens\n  behavior: merge\n"
            "  literals: [b=2]\n- name: new\n  files: [k=data.txt]\n"
            "secretGenerator:\n- name: sec\n  namespace: basens\n  behavior: replace\n"
            "  literals: [q=2]\n"
            "generatorOptions:\n  labels: {gen: \"yes\"}\n"),
        "data.txt": "some\ntext\n",
    },
    "patched-data-is-hashed": {
        "kustomization.yaml": (
            "configMapGenerator:\n- name: cm\n  literals: [a=1]\n"
            "secretGenerator:\n- name: s\n  literals: [a=1]\n"
            "patches:\n- target: {kind: ConfigMap, name: cm}\n  patch: |-\n"
            "    - op: add\n      path: /data/x\n      value: {\"n\": [1, 2.5, true, null, \"<&>\"]}\n"
            "- target: {kind: Secret}\n  patch: |-\n"
            "    - op: add\n      path: /stringData\n      value: {\"k\": \"v\"}\n"),
    },
    "generator-config-file": {
        "kustomization.yaml": "generators: [gen.yaml]\n",
        "gen.yaml": (
            "apiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: fromfile\n"
            "  namespace: nsx\nliterals: [b=2]\ntype: kubernetes.io/basic-auth\n"),
    },
    "merge-into-plain-resource-drops-hash": {
        "cm.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"
                    "  labels: {n: 1}\ndata:\n  x: 1\n  y: true\n  z:\n"),
        "kustomization.yaml": (
            "resources: [cm.yaml]\nconfigMapGenerator:\n- name: plain\n  behavior: merge\n"
            "  literals: [b=2]\n"),
    },
    "merge-unknown-namespace-fails": {
        "base/kustomization.yaml": (
            "namespace: basens\nconfigMapGenerator:\n- name: cfg\n  literals: [a=1]\n"),
        "kustomization.yaml": (
            "namespace: other\nresources: [base]\nconfigMapGenerator:\n- name: cfg\n"
            "  behavior: merge\n  literals: [b=2]\n"),
    },
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_build_matches_kubectl(kubectl_kustomize, name: str, tmp_path: Path) -> None:
    for rel, text in TREES[name].items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    oracle = kubectl_kustomize(tmp_path)
    ours = run_lamina("build", tmp_path)
    assert (ours.returncode == 0) == (oracle.returncode == 0), ours.stderr
    if oracle.returncode == 0:
        assert ours.stdout == oracle.stdout
