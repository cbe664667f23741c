"""Argo CD: the Config Management Plugin's generate command run as cmp-server runs it, and
the ApplicationSet form of `render --argocd-apps`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from lamina.cli.main import cli
from tests.helpers.trees import write_tree

REPO = Path(__file__).resolve().parents[2]
PLUGIN = yaml.safe_load((REPO / "argocd/plugin.yaml").read_text())

APP = {
    "base/kustomization.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
                               "values: [values.yaml]\nresources: [deployment.yaml.j2]\n",
    "base/values.yaml": "replicas: 1\nimage:\n  tag: v1\nlogLevel: info\n",
    "base/deployment.yaml.j2": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {{ values.replicas }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: example.com/web:{{ values.image.tag }}
        args: ["--log-level={{ values.logLevel }}"]
""",
    "apps/prod/kustomization.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
                                    "namespace: web-prod\nresources: [../../base]\n",
    "apps/plain/kustomization.yaml": "resources: [cm.yaml]\n",
    "apps/plain/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
}


def cmp_env(tmp_path: Path, **plugin_env: str) -> dict[str, str]:
    """The environment cmp-server gives a plugin: Argo CD's build variables, the
    Application's plugin env as ARGOCD_ENV_*, and little else."""
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
           "HOME": str(tmp_path / "home"),
           "ARGOCD_APP_NAME": "web-prod", "ARGOCD_APP_NAMESPACE": "web-prod",
           "ARGOCD_APP_PROJECT_NAME": "default", "ARGOCD_APP_REVISION": "0123abcd",
           "ARGOCD_APP_SOURCE_PATH": "apps/prod",
           "ARGOCD_APP_SOURCE_REPO_URL": "https://github.com/acme/web.git",
           "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD", "KUBE_VERSION": "1.33.0",
           "KUBE_API_VERSIONS": "v1,apps/v1"}
    env.update({f"ARGOCD_ENV_{k}": v for k, v in plugin_env.items()})
    return env


def run_generate(app_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = PLUGIN["spec"]["generate"]["command"] + PLUGIN["spec"]["generate"].get("args", [])
    return subprocess.run(command, cwd=app_path, env=env, capture_output=True, text=True)


def test_generate_prints_the_stream_with_plugin_env_as_set(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    proc = run_generate(tmp_path / "apps/prod",
                        cmp_env(tmp_path, replicas="3", image__tag="v2", logLevel="debug"))
    assert proc.returncode == 0, proc.stderr
    docs = list(yaml.safe_load_all(proc.stdout))
    assert len(docs) == 1
    deploy = docs[0]
    assert deploy["metadata"] == {"name": "web", "namespace": "web-prod"}
    assert deploy["spec"]["replicas"] == 3                     # typed as --set types it
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "example.com/web:v2"
    assert container["args"] == ["--log-level=debug"]


def test_generate_without_plugin_env_uses_the_values_files(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    proc = run_generate(tmp_path / "apps/prod", cmp_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    deploy = yaml.safe_load(proc.stdout)
    assert deploy["spec"]["replicas"] == 1
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "example.com/web:v1"


def test_generate_error_is_one_message_on_stderr(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    (tmp_path / "base/values.yaml").write_text("replicas: [\n")
    proc = run_generate(tmp_path / "apps/prod", cmp_env(tmp_path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("Error: ") and "values.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_discovery_matches_lamina_dialect_only(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    find = PLUGIN["spec"]["discover"]["find"]["command"]
    prod = subprocess.run(find, cwd=tmp_path / "apps/prod", capture_output=True, text=True)
    plain = subprocess.run(find, cwd=tmp_path / "apps/plain", capture_output=True, text=True)
    assert prod.stdout.strip() == "kustomization.yaml"
    assert plain.stdout.strip() == ""


def test_sidecar_example_carries_the_plugin_file() -> None:
    docs = list(yaml.safe_load_all((REPO / "argocd/sidecar.yaml").read_text()))
    deploy, config = docs
    assert config["kind"] == "ConfigMap"
    assert config["data"]["plugin.yaml"] == (REPO / "argocd/plugin.yaml").read_text()
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["/var/run/argocd/argocd-cmp-server"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    # cmp-server reads its plugin from cmp-server/config/plugin.yaml in the argocd user's home.
    config_mount = [m for path, m in mounts.items() if path.endswith("/cmp-server/config/plugin.yaml")]
    assert [m["subPath"] for m in config_mount] == ["plugin.yaml"]
    assert container["securityContext"]["runAsUser"] == 999


PROJECT = {
    "lamina.yaml": """apiVersion: lamina.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
    clusters: [eu, us]
""",
    "overlays/dev/kustomization.yaml": "resources: [cm.yaml]\n",
    "overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n",
    "overlays/prod/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
}


def test_applicationset_has_one_element_per_environment_and_cluster(tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path), "--argocd-appset",
                                      "--repo-url", "git@github.com:acme/shop.git"])
    assert result.exit_code == 0, result.output
    appset = yaml.safe_load((tmp_path / "rendered/_argocd/applicationset.yaml").read_text())
    assert appset["kind"] == "ApplicationSet" and appset["metadata"]["name"] == "shop-rendered"
    elements = appset["spec"]["generators"][0]["list"]["elements"]
    assert [(e["name"], e["cluster"], e["path"], e["branch"]) for e in elements] == [
        ("dev", "in-cluster", "dev", "rendered"), ("prod-eu", "eu", "prod/eu", "rendered"),
        ("prod-us", "us", "prod/us", "rendered")]
    template = appset["spec"]["template"]
    assert template["spec"]["source"] == {"repoURL": "git@github.com:acme/shop.git",
                                          "targetRevision": "{{.branch}}", "path": "{{.path}}"}
    assert template["spec"]["destination"] == {"name": "{{.cluster}}"}
    listing = yaml.safe_load((tmp_path / "rendered/_argocd/kustomization.yaml").read_text())
    assert listing["resources"] == ["applicationset.yaml"]
    # Switching back to Applications replaces the ApplicationSet.
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path), "--argocd-apps",
                                      "--repo-url", "git@github.com:acme/shop.git"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "rendered/_argocd").iterdir()) == [
        "dev.yaml", "kustomization.yaml", "prod-eu.yaml", "prod-us.yaml"]
    app = yaml.safe_load((tmp_path / "rendered/_argocd/prod-eu.yaml").read_text())
    assert app["spec"]["destination"] == {"name": "eu"}
    assert app["spec"]["source"]["path"] == "prod/eu"


def test_both_argocd_forms_at_once_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path), "--argocd-apps",
                                      "--argocd-appset"])
    assert result.exit_code == 2
