"""cross-environment inside configuration: hosts, URLs and connection strings that carry
another environment's marker, with the key, file:line and the owning environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.checks import check_project
from lamina.checks.config_hosts import environment_markers, hosts_in, owner
from tests.helpers.trees import write_tree

BASE_CONFIG = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  annotations:
    docs.example.com/runbook: https://wiki.example.com/runbooks/app
data:
  LOG_LEVEL: info
  DB_HOST: postgres.shop.internal
"""

BASE_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: shop/app:1.0.0
          args:
            - --listen=:8080
          env:
            - name: MODE
              value: server
            - name: CACHE_URL
              value: redis://redis.shop.internal:6379/0
"""


def _project(tmp_path: Path, prod_patch: str, lamina_yaml: str | None = None) -> Path:
    files = {
        "base/kustomization.yaml": "resources: [configmap.yaml, deployment.yaml]\n",
        "base/configmap.yaml": BASE_CONFIG,
        "base/deployment.yaml": BASE_DEPLOYMENT,
        "overlays/dev/kustomization.yaml": "namespace: shop-dev\nresources: [../../base]\n",
        "overlays/prod/kustomization.yaml": "namespace: shop-prod\nresources: [../../base]\n"
                                            "patches:\n  - path: patch.yaml\n",
        "overlays/prod/patch.yaml": prod_patch,
    }
    if lamina_yaml is not None:
        files["lamina.yaml"] = lamina_yaml
    return write_tree(tmp_path / "p", files)


def _cross(root: Path) -> list[tuple[str, str, str]]:
    return [(str(f.source), f.environment, f.message) for f in check_project(str(root)).findings
            if f.check == "cross-environment"]


CM_PATCH = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  DB_HOST: {value}
"""


def test_the_dev_database_in_prods_configmap_is_named_with_key_line_and_owner(tmp_path: Path) -> None:
    found = _cross(_project(tmp_path, CM_PATCH.format(value="db.dev.example.internal")))
    # prod's patch sets the value: the finding names the patch's line, not the base's
    assert found == [(
        "overlays/prod/patch.yaml:6:3", "prod",
        "data.DB_HOST names host 'db.dev.example.internal', which belongs to environment 'dev' "
        "(it carries the marker 'dev'); point it at prod's own host, or list the host under "
        "prod's hosts: in lamina.yaml if it really is shared")]


@pytest.mark.parametrize("value", [
    "postgres://app:s3cret@pg.development.example.internal:5432/shop",
    "jdbc:postgresql://pg-dev.shop.internal:5432/shop?ssl=true",
    "host=pg-develop port=5432 dbname=shop sslmode=require",
    "redis-dev:6379",
    "api.shop-dev.svc.cluster.local",
    "mongodb://m1.dev.example.com:27017,m2.dev.example.com:27017/shop?replicaSet=rs0",
    "Server=tcp:sql-dev.database.windows.net,1433;Database=shop;",
    "mydb-dev.c9akciq32.eu-west-1.rds.amazonaws.com",
])
def test_spellings_of_a_dev_connection_in_prod_are_caught(tmp_path: Path, value: str) -> None:
    found = _cross(_project(tmp_path, CM_PATCH.format(value=f'"{value}"')))
    assert len(found) == 1 and found[0][0] == "overlays/prod/patch.yaml:6:3"
    assert "belongs to environment 'dev'" in found[0][2]
    assert "s3cret" not in found[0][2]


@pytest.mark.parametrize("value", [
    "device-registry.example.com", "devices.example.com", "product.prod.example.com",
    "developer.example.com", "https://web.dev/articles", "https://dev.azure.com/org/project",
    "/etc/app/app.dev.yaml", "com.example.dev.Main", "postgres.prod.shop.internal",
    "dev-tools.prod.example.com", "pg.shop.internal", "s3.eu-west-1.amazonaws.com",
    "10.0.0.12", "the dev team owns this", "https://status.example.com/dev",
])
def test_no_false_positive_on_lookalikes(tmp_path: Path, value: str) -> None:
    assert _cross(_project(tmp_path, CM_PATCH.format(value=f'"{value}"'))) == []


def test_env_values_args_and_annotations_are_read(tmp_path: Path) -> None:
    patch = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations:
    app.example.com/upstream: https://api.staging.example.com/v1
spec:
  template:
    spec:
      containers:
        - name: app
          args:
            - --listen=:8080
            - --broker=amqp://guest@rabbitmq.shop-dev.svc.cluster.local:5672
          env:
            - name: MODE
              value: server
            - name: CACHE_URL
              value: redis://redis.dev.shop.internal:6379/0
"""
    lamina = ("environments:\n  - name: dev\n  - name: staging\n    overlay: overlays/dev\n"
              "  - name: prod\n")
    found = [(where, msg.split(", which")[0], msg.split("environment ")[1].split(" ")[0])
             for where, env, msg in _cross(_project(tmp_path, patch, lamina)) if env == "prod"]
    assert found == [
        # Every value comes from overlays/prod/patch.yaml: the findings name its lines.
        ("overlays/prod/patch.yaml:6:5", "metadata.annotations.app.example.com/upstream names host "
         "'api.staging.example.com'", "'staging'"),
        # The namespace is a marker of dev already (the older, whole-object rule).
        ("overlays/prod/patch.yaml:14:15", "spec.template.spec.containers[0].args[1] names 'shop-dev'",
         "'dev'"),
        ("overlays/prod/patch.yaml:19:15", "spec.template.spec.containers[0].env[1].value names host "
         "'redis.dev.shop.internal'", "'dev'"),
    ]


def test_markers_and_hosts_in_lamina_yaml(tmp_path: Path) -> None:
    lamina = ("environments:\n  - name: dev\n    markers: [sbx]\n"
              "  - name: prod\n    markers: [live]\n    hosts: [shared-dev-tools.example.com]\n")
    sbx = _cross(_project(tmp_path / "a", CM_PATCH.format(value="db.sbx.example.internal"), lamina))
    assert len(sbx) == 1 and "belongs to environment 'dev' (it carries the marker 'sbx')" in sbx[0][2]
    live = _cross(_project(tmp_path / "b", CM_PATCH.format(value="db.live.example.internal"), lamina))
    assert live == []
    shared = _cross(_project(tmp_path / "c", CM_PATCH.format(value="shared-dev-tools.example.com"),
                             lamina))
    assert shared == []
    undeclared = _cross(_project(tmp_path / "d", CM_PATCH.format(value="db.sbx.example.internal")))
    assert undeclared == []


def test_a_marker_two_environments_claim_is_nobodys() -> None:
    markers = environment_markers({"dev": {"dev", "shared"}, "prod": {"prod", "shared"}})
    host = next(hosts_in("DB_HOST", "db.shared.example.com"))
    assert owner(host, markers) is None
    pre = environment_markers({"prod": {"prod"}, "preprod": {"preprod", "pre-prod"}})
    assert owner(next(hosts_in("x", "db.pre-prod.example.com")), pre) == ("preprod", "pre-prod")
