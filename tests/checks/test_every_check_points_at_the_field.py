"""Every registered check, given a violation on a field deep in a document, points at that
field's own line (the line marked `#<` below), not at the line the document starts on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lamina.checks import registry
from lamina.checks.base import Context, Obj
from lamina.errors import SourceRef

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {{app: web}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      automountServiceAccountToken: false
      serviceAccountName: web
      securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
        - name: web
          image: nginx:1.25.3@sha256:0000000000000000000000000000000000000000000000000000000000000000
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests: {{cpu: 10m, memory: 10Mi}}
            limits: {{memory: 10Mi}}
          readinessProbe: {{httpGet: {{path: /, port: http}}}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
{extra}"""

SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n"

# check -> (options, documents, one of them with a `#<` line)
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "schema": ({}, [DEPLOY.format(extra="").replace(
        "containerPort: 8080", "containerPort: eighty  #<")]),
    "service-selector": ({}, [DEPLOY.format(extra=""), "apiVersion: v1\nkind: Service\nmetadata:\n"
                              "  name: web\n  namespace: shop\nspec:\n  ports: [{port: 80}]\n"
                              "  selector:  #<\n    app: wbe\n"]),
    "service-target-port": ({}, [DEPLOY.format(extra=""), "apiVersion: v1\nkind: Service\nmetadata:\n"
                                 "  name: web\n  namespace: shop\nspec:\n  selector: {app: web}\n"
                                 "  ports:\n    - port: 80\n      targetPort: htpt  #<\n"]),
    "ingress-backend": ({}, ["apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n"
                             "  namespace: shop\nspec:\n  defaultBackend:\n    service:\n"
                             "      name: nope  #<\n      port: {number: 80}\n"]),
    "dangling-reference": ({}, [DEPLOY.format(extra="").replace(
        "          ports:\n", "          envFrom:\n            - configMapRef:\n"
        "                name: nope  #<\n          ports:\n")]),
    "scale-target": ({}, ["apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
                          "  name: web\n  namespace: shop\nspec:\n  maxReplicas: 3\n  scaleTargetRef:\n"
                          "    apiVersion: apps/v1\n    kind: Deployment\n    name: nope  #<\n"]),
    "cross-environment": ({}, ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
                               "  namespace: shop\ndata:\n  A: b\n  DB: postgres://db.dev.example.internal/x  #<\n"]),
    "image-tag": ({}, [DEPLOY.format(extra="").replace(
        "image: nginx:1.25.3@sha256:" + "0" * 64, "image: nginx:latest  #<")]),
    "resources": ({}, [DEPLOY.format(extra="").replace(
        "            limits: {memory: 10Mi}\n", "").replace("          resources:\n", "          resources:  #<\n")]),
    "probes": ({}, [DEPLOY.format(extra="").replace(
        "          readinessProbe: {httpGet: {path: /, port: http}}\n", "").replace(
        "        - name: web\n", "        - name: web  #<\n")]),
    "pod-security": ({}, [DEPLOY.format(extra="").replace(
        "allowPrivilegeEscalation: false\n", "allowPrivilegeEscalation: false\n            privileged: true  #<\n")]),
    "hardening": ({}, [DEPLOY.format(extra="").replace(
        "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false  #<"), SA]),
    "rbac": ({}, ["apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n"
                  "  namespace: shop\nrules:\n  - apiGroups: ['']\n    resources: [pods]\n    verbs: [get]\n"
                  "  - apiGroups: ['']  #<\n    resources: ['*']\n    verbs: [get]\n"]),
    "plaintext-secret": ({}, ["apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: shop\n"
                              "type: Opaque\nstringData:\n  user: app\n  password: hunter2hunter2  #<\n"]),
    "high-entropy": ({}, ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\n"
                          "data:\n  A: b\n  TOKEN: ghp_x7Kq9LmP2vR8sT4wY6zB1nC3dF5gH0jQ  #<\n"]),
}

# Checks whose findings are about a whole resource or another file, not a field of it.
WHOLE = {
    "duplicate-id": "the second copy of a resource: its document",
    "unmatched-patch": "a patch entry of a kustomization: tested in tests/checks/test_unmatched_patch*",
    "network-policy": "a workload no NetworkPolicy selects: the workload's document",
    "required-labels": "labels that are missing: the metadata the labels belong under",
    "admission-policy": "each policy's own message names its field: tests/policies",
}


def test_every_check_has_a_case() -> None:
    assert set(CASES) | set(WHOLE) == set(registry.CHECKS)


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_the_finding_points_at_the_fields_line(check_id: str, tmp_path: Path) -> None:
    options, docs = CASES[check_id]
    objects = []
    expected = None
    for i, text in enumerate(docs):
        name = f"f{i}.yaml"
        (tmp_path / name).write_text(text)
        objects.append(Obj(yaml.safe_load(text), SourceRef(name, 1)))
        for n, line in enumerate(text.splitlines(), 1):
            if line.endswith("#<"):
                expected = f"{name}:{n}"
    module = registry.load(check_id)
    ctx = Context("prod", tuple(objects), root=str(tmp_path),
                  environment_markers={"dev": ("dev",), "prod": ("prod",)},
                  other_environments={"dev": ("shop-dev",)})
    found = [f for f in module.check(ctx, module.Options(**options)) if f.check == check_id]
    assert found, f"{check_id} found nothing"
    where = sorted({str(f.source).rsplit(":", 1)[0] if str(f.source).count(":") == 2
                    else str(f.source) for f in found})
    assert expected in where, (check_id, where, [f.message for f in found])
