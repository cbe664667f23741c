"""cross-environment over whole projects: who owns a host or namespace."""

from __future__ import annotations

from pathlib import Path

from lamina.checks.api import check_project
from tests.helpers.trees import write_tree

INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [HOST], secretName: web-tls}]
  rules:
  - host: HOST
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
"""


def _project(tmp_path: Path, dev_host: str, prod_rule: str, prod_tls: str,
             extra: dict[str, str] | None = None) -> Path:
    files = {"base/kustomization.yaml": "resources: [ingress.yaml]\n",
             "base/ingress.yaml": INGRESS}
    for env, rule, tls in (("dev", dev_host, dev_host), ("prod", prod_rule, prod_tls)):
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: shop-{env}\nresources: [../../base]\npatches:\n- target: {{kind: Ingress}}\n"
            f"  patch: |\n    - {{op: replace, path: /spec/rules/0/host, value: {rule}}}\n"
            f"    - {{op: replace, path: /spec/tls/0/hosts/0, value: {tls}}}\n")
    files.update(extra or {})
    return write_tree(tmp_path / "p", files)


def _cross(root: Path) -> list:
    return [f for f in check_project(str(root)).findings if f.check == "cross-environment"]


def test_distinct_hosts_pass(tmp_path: Path) -> None:
    assert _cross(_project(tmp_path, "dev.shop.example.com", "shop.example.com",
                           "shop.example.com")) == []


def test_a_host_shared_by_every_environment_is_not_flagged(tmp_path: Path) -> None:
    assert _cross(_project(tmp_path, "status.example.com", "status.example.com",
                           "status.example.com")) == []


def test_dev_host_in_prod_tls_is_flagged_in_prod_only(tmp_path: Path) -> None:
    found = _cross(_project(tmp_path, "dev.shop.example.com", "shop.example.com",
                            "dev.shop.example.com"))
    assert [(f.environment, f.resource) for f in found] == [("prod", "Ingress/shop-prod/web")]
    assert "spec.tls[0].hosts[0]" in found[0].message and "'dev'" in found[0].message


def test_dev_host_in_prod_rules_is_flagged_in_prod_only(tmp_path: Path) -> None:
    found = _cross(_project(tmp_path, "shop-dev.example.com", "shop-dev.example.com",
                            "shop.example.com"))
    assert [(f.environment, f.resource) for f in found] == [("prod", "Ingress/shop-prod/web")]
    assert "spec.rules[0].host" in found[0].message


def test_declared_hosts_decide(tmp_path: Path) -> None:
    lamina = ("environments:\n- name: dev\n  hosts: [qa1.example.com]\n"
              "- name: prod\n  hosts: [shop.example.com]\n")
    found = _cross(_project(tmp_path, "qa1.example.com", "shop.example.com", "qa1.example.com",
                            {"lamina.yaml": lamina}))
    assert [(f.environment, f.check) for f in found] == [("prod", "cross-environment")]


def test_other_environments_namespace_in_a_service_url(tmp_path: Path) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {API: URL}\n"
    files = {"base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": cm}
    for env, url in (("dev", "http://api.shop-dev.svc.cluster.local:8080"),
                     ("prod", "http://api.shop-dev.svc.cluster.local:8080")):
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: shop-{env}\nresources: [../../base]\nconfigMapGenerator:\n"
            f"- {{name: more, literals: [API={url}]}}\n")
    found = _cross(write_tree(tmp_path / "p", files))
    assert [f.environment for f in found] == ["prod"] and "shop-dev" in found[0].message


def test_a_namespace_created_by_one_environment_and_used_by_another_is_shared(tmp_path: Path) -> None:
    files = {
        "overlays/setup/kustomization.yaml": "resources: [ns.yaml]\n",
        "overlays/setup/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n",
        "overlays/prod/kustomization.yaml": "namespace: monitoring\nresources: [cm.yaml]\n",
        "overlays/prod/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
    }
    assert _cross(write_tree(tmp_path / "p", files)) == []


def test_a_namespace_word_used_as_a_name_elsewhere_is_not_a_leak(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources: [cm.yaml]\n",
        "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, labels: {app: web}}\n"
                        "data: {component: web}\n",
        "overlays/dev/kustomization.yaml": "namespace: web\nresources: [../../base]\n",
        "overlays/prod/kustomization.yaml": "namespace: web-live\nresources: [../../base]\n"
                                            "configMapGenerator:\n- {name: x, literals: [NS=web]}\n",
    }
    assert _cross(write_tree(tmp_path / "p", files)) == []
    files["overlays/prod/rb.yaml"] = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
        "subjects: [{kind: ServiceAccount, name: deployer, namespace: web}]\n")
    files["overlays/prod/kustomization.yaml"] = ("namespace: web-live\nresources: [../../base, rb.yaml]\n")
    found = _cross(write_tree(tmp_path / "q", files))
    assert [(f.environment, f.resource) for f in found] == [("prod", "RoleBinding/web-live/rb")]
    assert "subjects[0].namespace" in found[0].message


def test_multi_word_environment_names_are_recognised_in_hosts() -> None:
    from lamina.checks.cross_environment import _named_envs
    envs = ["prod-eu", "prod-us", "dev"]
    assert _named_envs("api.prod-eu.example.com", envs) == ["prod-eu"]
    assert _named_envs("api.eu.example.com", envs) == []
    assert _named_envs("shop-dev", envs) == ["dev"]
