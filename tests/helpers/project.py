"""A small lamina project: one Deployment in base/, one overlay per environment."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.trees import write_tree

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
      - name: web
        image: nginx:1.25
"""


def overlay(env: str, replicas: int) -> str:
    """overlays/<env>/kustomization.yaml: the base in namespace `env`, `replicas` of web."""
    return (f"resources: [../../base]\nnamespace: {env}\n"
            f"replicas:\n- name: web\n  count: {replicas}\n")


def set_replicas(root: Path, env: str, count: int) -> None:
    write_tree(root, {f"overlays/{env}/kustomization.yaml": overlay(env, count)})


def write_project(root: Path, replicas: dict[str, int]) -> Path:
    """base/ with DEPLOYMENT and an overlay per environment (`env: replicas`); returns root."""
    write_tree(root, {"base/kustomization.yaml": "resources: [deploy.yaml]\n",
                      "base/deploy.yaml": DEPLOYMENT})
    for env, count in replicas.items():
        set_replicas(root, env, count)
    return root
