"""rbac and network-policy: YAML in, findings out."""

from __future__ import annotations

from lamina.checks.config import rules
from tests.helpers.checks import findings as _findings


ROLES = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok-controller}
rules:
- apiGroups: [""]
  resources: [configmaps, events]
  verbs: [get, list, watch, create, patch]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [controller-tls]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ns-secrets, namespace: shop}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: aggregated
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {rbac.example.com/aggregate: "true"}}]
"""


def test_narrow_roles_pass() -> None:
    assert _findings("rbac", ROLES) == []


def test_wildcards_escalation_secrets_and_cluster_admin_are_errors() -> None:
    bad = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: too-much}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind, escalate]
- apiGroups: [""]
  resources: [users, serviceaccounts]
  verbs: [impersonate]
- apiGroups: [""]
  resources: [secrets]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: deployer, namespace: ci}
"""
    found = _findings("rbac", bad)
    assert [(f.resource, f.message.split(" (")[0], f.field) for f in found] == [
        ("ClusterRole/too-much", "rules[0] uses a wildcard in verbs and resources and apiGroups",
         ("rules", 0)),
        ("ClusterRole/too-much", "rules[1] grants escalate, bind", ("rules", 1)),
        ("ClusterRole/too-much", "rules[2] grants impersonate", ("rules", 2)),
        ("ClusterRole/too-much", "rules[3] can read every Secret in the cluster", ("rules", 3)),
        ("ClusterRoleBinding/ci-admin", "binds cluster-admin to service account 'ci/deployer'",
         ("subjects", 1)),
    ]
    assert all(f.level == "error" for f in found)


WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1.0.0}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec: {restartPolicy: Never, containers: [{name: r, image: report:1.0.0}]}
"""


def test_network_policy_needs_a_policy_selecting_each_workload() -> None:
    found = _findings("network-policy", WORKLOADS)
    assert [f.resource for f in found] == ["Deployment/shop/web", "CronJob/shop/report"]
    assert "no NetworkPolicy in namespace 'shop' selects its pods" in found[0].message
    web_only = WORKLOADS + """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 8080}]}]
"""
    assert [f.resource for f in _findings("network-policy", web_only)] == ["CronJob/shop/report"]
    deny_all = WORKLOADS + """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""
    assert _findings("network-policy", deny_all) == []
    other_ns = deny_all.replace("name: default-deny, namespace: shop", "name: d, namespace: other")
    assert len(_findings("network-policy", other_ns)) == 2


def test_network_policy_is_strict_only_and_rbac_is_on_by_default() -> None:
    default = {r.check_id: r for r in rules({})}
    strict = {r.check_id: r for r in rules({"preset": "strict"})}
    assert not default["network-policy"].enabled and strict["network-policy"].enabled
    assert default["rbac"].enabled and default["rbac"].level == "error"
