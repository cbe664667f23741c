"""Real-world-shaped trees (small copies of the shape of podinfo, microservices-demo, a
cert-manager-like controller with RBAC, an operator with CRDs and a custom resource
whose required fields the CRD defaults, argo-cd's redis-ha with a Service per pod, and
descheduler's CronJob with its ClusterRole), rendered for dev, staging and prod: where
Checkov and the Kubernetes API agree that nothing is wrong, lamina finds nothing either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.checks import check_project
from tests.helpers.trees import write_tree

SECURE = """          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 10001
            capabilities: {drop: [ALL]}
            seccompProfile: {type: RuntimeDefault}
"""


def _deployment(name: str, image: str, port: int, env: str = "", args: str = "",
                account: str = "", extra_spec: str = "") -> str:
    sa = f"      serviceAccountName: {account}\n" if account else \
        "      automountServiceAccountToken: false\n"
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app.kubernetes.io/name: {name}}}
spec:
  selector:
    matchLabels: {{app.kubernetes.io/name: {name}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: {name}}}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "{port}"
    spec:
{sa}{extra_spec}      securityContext: {{runAsNonRoot: true, fsGroup: 10001}}
      containers:
        - name: {name}
          image: {image}
          ports: [{{name: http, containerPort: {port}}}]
{args}{env}          readinessProbe: {{httpGet: {{path: /readyz, port: http}}}}
          livenessProbe: {{httpGet: {{path: /healthz, port: http}}}}
          resources:
            requests: {{cpu: 50m, memory: 64Mi}}
            limits: {{memory: 256Mi}}
{SECURE}          volumeMounts: [{{name: tmp, mountPath: /tmp}}]
      volumes: [{{name: tmp, emptyDir: {{}}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app.kubernetes.io/name: {name}}}
  ports: [{{name: http, port: {port}, targetPort: http}}]
"""


def _overlays(resources: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {}
    for env in ("dev", "staging", "prod"):
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: shop-{env}\nresources:\n  - namespace.yaml\n  - ../../base\n"
            + (extra or {}).get(env, ""))
        files[f"overlays/{env}/namespace.yaml"] = (
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-{env}\n")
    files["base/kustomization.yaml"] = resources
    return files


def _podinfo() -> dict[str, str]:
    backend = _deployment("backend", "ghcr.io/stefanprodan/podinfo:6.7.1", 9898, args=(
        "          command: [./podinfo]\n          args: [--port=9898, --level=info, "
        "--backend-url=http://backend:9898/echo, --cache-server=tcp://redis:6379]\n"))
    frontend = _deployment("frontend", "ghcr.io/stefanprodan/podinfo:6.7.1", 9898, env=(
        "          env:\n            - {name: PODINFO_UI_COLOR, value: '#34577c'}\n"
        "            - {name: PODINFO_UI_MESSAGE, value: 'device inventory for product teams'}\n"
        "            - {name: PODINFO_BACKEND_URL, value: 'http://backend:9898/echo'}\n"))
    hpa = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: frontend
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: frontend}
  minReplicas: 2
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 99}}
"""
    files = _overlays("resources: [backend.yaml, frontend.yaml, hpa.yaml]\n")
    files.update({"base/backend.yaml": backend, "base/frontend.yaml": frontend,
                  "base/hpa.yaml": hpa})
    return files


def _microservices_demo() -> dict[str, str]:
    services = {
        "frontend": (8080, {"PRODUCT_CATALOG_SERVICE_ADDR": "productcatalogservice:3550",
                            "CURRENCY_SERVICE_ADDR": "currencyservice:7000",
                            "CART_SERVICE_ADDR": "cartservice:7070",
                            "SHIPPING_SERVICE_ADDR": "shippingservice:50051",
                            "ENV_PLATFORM": "gcp", "SHOPPING_ASSISTANT_SERVICE_ADDR":
                            "shoppingassistantservice:80"}),
        "productcatalogservice": (3550, {"DISABLE_PROFILER": "1"}),
        "cartservice": (7070, {"REDIS_ADDR": "redis-cart:6379"}),
        "currencyservice": (7000, {"PORT": "7000", "DISABLE_PROFILER": "1"}),
        "shippingservice": (50051, {"PORT": "50051"}),
        "redis-cart": (6379, {}),
    }
    files = _overlays("resources:\n" + "".join(f"  - {n}.yaml\n" for n in services),
                      {"prod": "replicas:\n  - {name: frontend, count: 3}\n"})
    for name, (port, env) in services.items():
        lines = "".join(f"            - {{name: {k}, value: '{v}'}}\n" for k, v in env.items())
        files[f"base/{name}.yaml"] = _deployment(
            name, f"us-central1-docker.pkg.dev/google-samples/microservices-demo/{name}:v0.10.2",
            port, env=("          env:\n" + lines) if lines else "")
    return files


def _controller() -> dict[str, str]:
    rbac = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: cert-controller
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cert-controller
rules:
  - apiGroups: [cert.example.io]
    resources: [certificates, certificates/status, issuers]
    verbs: [get, list, watch, update, patch]
  - apiGroups: [""]
    resources: [events]
    verbs: [create, patch]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cert-controller
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cert-controller}
subjects: [{kind: ServiceAccount, name: cert-controller, namespace: shop-prod}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: cert-controller:leader-election
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, create, update, patch]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list, watch, create, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: cert-controller:leader-election
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cert-controller:leader-election}
subjects: [{kind: ServiceAccount, name: cert-controller}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: cert-controller
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: cert-controller}}
"""
    controller = _deployment(
        "cert-controller", "quay.io/example/cert-controller:v1.16.2", 9402,
        account="cert-controller",
        args="          args: [--v=2, --cluster-resource-namespace=$(POD_NAMESPACE), "
             "--leader-election-namespace=kube-system, --acme-http01-solver-image="
             "quay.io/example/acmesolver:v1.16.2]\n",
        env="          env:\n            - name: POD_NAMESPACE\n              valueFrom:\n"
            "                fieldRef: {fieldPath: metadata.namespace}\n")
    files = _overlays("resources: [rbac.yaml, controller.yaml]\n")
    for env in ("dev", "staging"):
        files[f"overlays/{env}/kustomization.yaml"] += (
            "patches:\n  - target: {kind: ClusterRoleBinding}\n    patch: |\n"
            f"      - {{op: replace, path: /subjects/0/namespace, value: shop-{env}}}\n"
            "  - target: {kind: ClusterRole|ClusterRoleBinding}\n    patch: |\n"
            f"      - {{op: replace, path: /metadata/name, value: cert-controller-{env}}}\n"
            "  - target: {kind: ClusterRoleBinding}\n    patch: |\n"
            f"      - {{op: replace, path: /roleRef/name, value: cert-controller-{env}}}\n")
    files.update({"base/rbac.yaml": rbac, "base/controller.yaml": controller})
    return files


def _operator() -> dict[str, str]:
    from tests.checks.test_accuracy import OTEL_CR, OTEL_CRD
    operator = _deployment("otel-operator", "ghcr.io/open-telemetry/opentelemetry-operator:0.110.0",
                           8080, account="otel-operator")
    rbac = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: otel-operator
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: otel-operator
rules:
  - apiGroups: [opentelemetry.io]
    resources: [opentelemetrycollectors, opentelemetrycollectors/status]
    verbs: [get, list, watch, update, patch]
  - apiGroups: [apps]
    resources: [deployments, daemonsets, statefulsets]
    verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: otel-operator
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: otel-operator}
subjects: [{kind: ServiceAccount, name: otel-operator}]
"""
    cr = OTEL_CR.replace("metadata: {name: otel, namespace: observability}",
                         "metadata: {name: otel}").lstrip("-\n")
    files = _overlays("resources: [crd.yaml, rbac.yaml, operator.yaml, collector.yaml]\n")
    files.update({"base/crd.yaml": OTEL_CRD.lstrip("\n"), "base/rbac.yaml": rbac,
                  "base/operator.yaml": operator, "base/collector.yaml": cr})
    return files


def _redis_ha() -> dict[str, str]:
    """argoproj/argo-cd manifests/ha (redis-ha): a StatefulSet of three and one Service per
    pod, selecting the label the StatefulSet controller puts on each pod."""
    sts = _deployment("redis-ha-server", "public.ecr.aws/docker/library/redis:7.2.7-alpine",
                      6379).replace("kind: Deployment", "kind: StatefulSet", 1).replace(
        "spec:\n  selector:", "spec:\n  serviceName: redis-ha-server\n  replicas: 3\n  selector:", 1)
    announce = "".join(f"""---
apiVersion: v1
kind: Service
metadata:
  name: redis-ha-announce-{i}
spec:
  publishNotReadyAddresses: true
  selector:
    app.kubernetes.io/name: redis-ha-server
    statefulset.kubernetes.io/pod-name: redis-ha-server-{i}
  ports: [{{name: tcp-server, port: 6379, targetPort: http}}]
""" for i in range(3))
    files = _overlays("resources: [redis-ha.yaml]\n")
    files["base/redis-ha.yaml"] = sts + announce
    return files


def _descheduler() -> dict[str, str]:
    """kubernetes-sigs/descheduler kubernetes/cronjob: a CronJob whose service account a
    ClusterRole binding names (it evicts pods), reading its policy from a ConfigMap."""
    job = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: descheduler
spec:
  schedule: "*/2 * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {app.kubernetes.io/name: descheduler}
        spec:
          serviceAccountName: descheduler
          restartPolicy: Never
          priorityClassName: system-cluster-critical
          securityContext: {runAsNonRoot: true}
          containers:
            - name: descheduler
              image: registry.k8s.io/descheduler/descheduler:v0.34.0
              command: [/bin/descheduler]
              args: [--policy-config-file, /policy-dir/policy.yaml, --v, "3"]
              resources:
                requests: {cpu: 500m, memory: 256Mi}
                limits: {memory: 256Mi}
""" + SECURE.replace("          ", "              ") + """              volumeMounts: [{name: policy-volume, mountPath: /policy-dir}]
          volumes: [{name: policy-volume, configMap: {name: descheduler-policy}}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: descheduler-policy
data:
  policy.yaml: |
    apiVersion: descheduler/v1alpha2
    kind: DeschedulerPolicy
    profiles:
      - name: default
        plugins: {balance: {enabled: [RemoveDuplicates]}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: descheduler
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: descheduler
rules:
  - apiGroups: [""]
    resources: [nodes, namespaces]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list, watch, delete]
  - apiGroups: [""]
    resources: [pods/eviction]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: descheduler
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: descheduler}
subjects: [{kind: ServiceAccount, name: descheduler, namespace: shop-prod}]
"""
    files = _overlays("resources: [descheduler.yaml]\n")
    for env in ("dev", "staging"):
        files[f"overlays/{env}/kustomization.yaml"] += (
            "patches:\n  - target: {kind: ClusterRoleBinding}\n    patch: |\n"
            f"      - {{op: replace, path: /subjects/0/namespace, value: shop-{env}}}\n"
            f"      - {{op: replace, path: /metadata/name, value: descheduler-{env}}}\n"
            "  - target: {kind: ClusterRole}\n    patch: |\n"
            f"      - {{op: replace, path: /metadata/name, value: descheduler-{env}}}\n"
            "  - target: {kind: ClusterRoleBinding}\n    patch: |\n"
            f"      - {{op: replace, path: /roleRef/name, value: descheduler-{env}}}\n")
    files["base/descheduler.yaml"] = job
    return files


TREES = {"podinfo": _podinfo, "microservices-demo": _microservices_demo,
         "cert-controller": _controller, "operator": _operator, "redis-ha": _redis_ha,
         "descheduler": _descheduler}


@pytest.mark.parametrize("tree", sorted(TREES))
def test_real_world_shapes_have_no_findings(tmp_path: Path, tree: str) -> None:
    root = write_tree(tmp_path / tree, TREES[tree]())
    result = check_project(str(root))
    assert [f"{f.location()}: [{f.check}] {f.environment} {f.resource}: {f.message}"
            for f in result.findings] == []
    assert result.checked > 0


@pytest.mark.parametrize("tree", sorted(TREES))
def test_and_each_one_broken_the_way_checkov_would_flag_is_caught(tmp_path: Path, tree: str) -> None:
    files = TREES[tree]()
    name = next(k for k in files if k.startswith("base/") and "readOnlyRootFilesystem: true" in files[k])
    files[name] = files[name].replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    root = write_tree(tmp_path / tree, files)
    found = {f.check for f in check_project(str(root)).findings}
    assert found == {"hardening"}
