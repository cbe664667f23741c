"""Regression tests from the second Checkov comparison (docs/checkov-comparison.md), each
shaped like the real manifest the disagreement was seen on."""

from __future__ import annotations

from tests.helpers.checks import findings

# kedacore/keda config/rbac: the operator may scale anything (`*/scale`). Checkov's
# CKV_K8S_49 reads only the first rule, lamina every rule; a `*/...` resource is a
# wildcard too (it grants that subresource of every resource, ones added later included).
KEDA_SCALE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: keda-operator}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: ["*/scale"]
  verbs: [get, list, patch, update, watch]
"""


def test_a_subresource_of_every_resource_is_a_wildcard() -> None:
    assert [(f.message, f.field) for f in findings("rbac", KEDA_SCALE)] == [
        ("rules[1] uses a wildcard in resources (name the verbs and resources it needs)",
         ("rules", 1))]
    named = KEDA_SCALE.replace('"*/scale"', "deployments/scale")
    assert findings("rbac", named) == []


# kubernetes-sigs/descheduler kubernetes/base/rbac.yaml: a Role in kube-system that reads
# every Secret there (the control plane's credentials live there). Checkov's CKV2_K8S_5
# flags its binding; lamina flags the Role. A Role elsewhere, or one limited by
# resourceNames, reads only what its namespace holds or what it names.
DESCHEDULER_ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: descheduler-role, namespace: kube-system}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
"""


def test_a_role_reading_every_secret_of_kube_system_is_reported() -> None:
    assert [f.message for f in findings("rbac", DESCHEDULER_ROLE)] == [
        "rules[0] can read every Secret in namespace kube-system, where the cluster's own "
        "credentials live (limit it with resourceNames)"]
    assert findings("rbac", DESCHEDULER_ROLE.replace("kube-system", "descheduler")) == []
    named = DESCHEDULER_ROLE + "  resourceNames: [descheduler-config]\n"
    assert findings("rbac", named) == []


# argoproj/argocd-example-apps sock-shop: `drop: [all]` in lower case. The runtime
# upper-cases it, but Pod Security admission compares with "ALL" exactly and rejects the
# pod under restricted: lamina reports it, naming the spelling (Checkov accepts it).
SOCK_SHOP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: carts, namespace: sock-shop}
spec:
  selector: {matchLabels: {name: carts}}
  template:
    metadata: {labels: {name: carts}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: carts
        image: weaveworksdemos/carts:0.4.8
        securityContext:
          runAsUser: 10001
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [all], add: [NET_BIND_SERVICE]}
"""


def test_drop_all_in_lower_case_is_named() -> None:
    assert [f.message for f in findings("pod-security", SOCK_SHOP, level="restricted")] == [
        "restricted: container 'carts' must drop ALL capabilities (drop lists 'all': Pod "
        "Security admission accepts only 'ALL', in capitals)"]
    fixed = SOCK_SHOP.replace("drop: [all]", "drop: [ALL]")
    assert findings("pod-security", fixed, level="restricted") == []


# argoproj/argo-cd manifests/dev-tilt: the dex Deployment's init container `copyutil` has
# no securityContext. Checkov reads only `containers`; an init container runs on the node
# as well, so lamina reports it (root, and seccomp under restricted).
DEX = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-dex-server, namespace: argocd}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: argocd-dex-server}}
  template:
    metadata: {labels: {app.kubernetes.io/name: argocd-dex-server}}
    spec:
      initContainers:
      - name: copyutil
        image: quay.io/argoproj/argocd:v3.1.0
        command: [/bin/cp, -n, /usr/local/bin/argocd, /shared/argocd-dex]
      containers:
      - name: dex
        image: ghcr.io/dexidp/dex:v2.43.0
        securityContext:
          runAsNonRoot: true
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
          seccompProfile: {type: RuntimeDefault}
"""


def test_an_init_container_without_a_security_context_is_reported() -> None:
    root = [f.message for f in findings("hardening", DEX, read_only_root_filesystem="off",
                                        service_account_token="off",
                                        default_service_account="off")]
    assert root == ["initContainer 'copyutil' may run as root (set runAsNonRoot: true)"]
    restricted = [f.message for f in findings("pod-security", DEX, level="restricted")]
    assert all("initContainer 'copyutil'" in m for m in restricted)
    assert any("seccompProfile" in m for m in restricted)


# argoproj/argo-cd manifests/ha: one Service per redis-ha pod, selecting the label the
# StatefulSet controller puts on each pod (no template carries it). A clean tree must
# stay clean; a pod name the StatefulSet does not make still matches nothing.
REDIS_HA = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: argocd-redis-ha-server, namespace: argocd}
spec:
  replicas: 3
  serviceName: argocd-redis-ha
  selector: {matchLabels: {app.kubernetes.io/name: argocd-redis-ha}}
  template:
    metadata: {labels: {app.kubernetes.io/name: argocd-redis-ha}}
    spec:
      containers: [{name: redis, image: public.ecr.aws/docker/library/redis:7.2.7-alpine}]
---
apiVersion: v1
kind: Service
metadata: {name: argocd-redis-ha-announce-0, namespace: argocd}
spec:
  publishNotReadyAddresses: true
  selector:
    app.kubernetes.io/name: argocd-redis-ha
    statefulset.kubernetes.io/pod-name: argocd-redis-ha-server-0
  ports: [{name: tcp-server, port: 6379, targetPort: redis}]
"""


def test_a_service_per_statefulset_pod_selects_it() -> None:
    assert findings("service-selector", REDIS_HA) == []
    other = REDIS_HA.replace("pod-name: argocd-redis-ha-server-0", "pod-name: argocd-redis-0")
    assert [f.message for f in findings("service-selector", other)] == [
        "selector {app.kubernetes.io/name=argocd-redis-ha, statefulset.kubernetes.io/pod-name="
        "argocd-redis-0} matches no pod template in namespace 'argocd'"]
    deployment = REDIS_HA.replace("kind: StatefulSet", "kind: Deployment")
    assert len(findings("service-selector", deployment)) == 1
