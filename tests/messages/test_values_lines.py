"""Deliver 1: a finding, a schema error or `lamina explain` about a field a values file set
names that values line (from the project root), the template line second ("via")."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.messages import LK, run_cli
from tests.helpers.trees import write_tree

# Line 7 writes replicas, 17 the web image from two values, 19 the resources map, 21 the
# side image from one value, 22 a literal and a value.
DEPLOY = """{% set img = values.image %}
apiVersion: apps/v1
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
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: {{ img.repo }}:{{ img.tag }}
          resources:
            {{ values.resources }}
        - name: side
          image: "{{ values.side }}"
          args: ["--level={{ values.level }}"]
          resources: {requests: {cpu: 10m, memory: 10Mi}, limits: {memory: 20Mi}}
"""

BASE_VALUES = """replicas: 2
image:
  repo: nginx
  tag: "1.27"
side: busybox:1.36
level: info
resources:
  requests: {cpu: 10m, memory: 10Mi}
  limits: {memory: 20Mi}
"""

PROJECT = ("apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
           "  - {name: dev, overlay: overlays/dev}\n  - {name: prod, overlay: overlays/prod}\n")


def _tree(tmp_path: Path, prod_values: str = "# prod\n", dev_values: str = "# dev\n",
          deploy: str = DEPLOY, prod_kustomization: str = "") -> Path:
    files = {
        "lamina.yaml": PROJECT,
        "base/kustomization.yaml": LK + "values: [values.yaml]\nresources: [deployment.yaml.j2]\n",
        "base/deployment.yaml.j2": deploy,
        "base/values.yaml": BASE_VALUES,
        "overlays/dev/values.yaml": dev_values,
        "overlays/prod/values.yaml": prod_values,
    }
    for env in ("dev", "prod"):
        files[f"overlays/{env}/kustomization.yaml"] = (
            LK + "values: [values.yaml]\nresources: [../../base]\n"
            + (prod_kustomization if env == "prod" else ""))
    return write_tree(tmp_path, files)


def _lines(out: str, check: str) -> list[str]:
    return [line for line in out.splitlines() if f"[{check}]" in line]


LATEST = ("error [image-tag] {env} Deployment/web: container 'side' image 'busybox:latest' is "
          "not pinned (set a version tag or a digest, not latest) (via base/deployment.yaml.j2:21)")


def test_a_finding_on_a_value_an_overlay_sets_names_the_overlay_values_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="# prod\nreplicas: 3\nside: busybox:latest\n")
    code, out, _err = run_cli("check", cwd=root)
    assert code == 1
    assert _lines(out, "image-tag") == ["overlays/prod/values.yaml:3:1: " + LATEST.format(env="prod")]


def test_a_value_the_base_sets_and_no_overlay_overrides_names_the_base_values_line(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "base/values.yaml").write_text(BASE_VALUES.replace("busybox:1.36", "busybox:latest"))
    code, out, _err = run_cli("check", cwd=root)
    assert code == 1
    assert _lines(out, "image-tag") == ["base/values.yaml:5:1: " + LATEST.format(env=env)
                                        for env in ("dev", "prod")]


CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: db
data:
  DB_HOST: {{ values.db }}
"""


def test_each_environment_names_its_own_values_file(tmp_path: Path) -> None:
    # One process renders both environments from the one base template, and the
    # cross-environment check runs after both: the dev finding still follows dev's values,
    # not the template's last rendering (prod's).
    root = _tree(tmp_path, prod_values="# prod\n\ndb: db.prod.example.internal\n",
                 dev_values="db: db.prod.example.internal\n")
    write_tree(root, {"base/cm.yaml.j2": CONFIGMAP, "base/kustomization.yaml":
                      LK + "values: [values.yaml]\nresources: [deployment.yaml.j2, cm.yaml.j2]\n"})
    (root / "base/values.yaml").write_text(BASE_VALUES + "db: db.example.internal\n")
    for jobs in ("1", "2"):
        code, _out, err = run_cli("render", "--jobs", jobs, cwd=root)
        assert code == 1
        assert _lines(err, "cross-environment") == [
            "overlays/dev/values.yaml:1:1: error [cross-environment] dev ConfigMap/db: data.DB_HOST "
            "names host 'db.prod.example.internal', which belongs to environment 'prod' (it carries "
            "the marker 'prod'); point it at dev's own host, or list the host under dev's hosts: in "
            "lamina.yaml if it really is shared (via base/cm.yaml.j2:6)"]


def test_a_value_given_with_set_says_set(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    code, out, _err = run_cli("check", "prod", "--set", "side=busybox:latest", cwd=root)
    assert code == 1
    assert _lines(out, "image-tag") == ["--set: " + LATEST.format(env="prod")]


def test_a_line_that_mixes_two_values_keeps_the_template_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="image:\n  tag: latest\n")
    code, out, _err = run_cli("check", "prod", cwd=root)
    assert code == 1
    assert _lines(out, "image-tag") == [
        "base/deployment.yaml.j2:17: error [image-tag] prod Deployment/web: container 'web' image "
        "'nginx:latest' is not pinned (set a version tag or a digest, not latest)"]


def test_a_line_that_mixes_a_literal_and_a_value_keeps_the_template_line(tmp_path: Path) -> None:
    deploy = DEPLOY.replace('image: "{{ values.side }}"', 'image: "busybox:{{ values.side }}"')
    root = _tree(tmp_path, prod_values="side: latest\n", deploy=deploy)
    code, out, _err = run_cli("check", "prod", cwd=root)
    assert code == 1
    assert _lines(out, "image-tag") == [
        "base/deployment.yaml.j2:21: error [image-tag] prod Deployment/web: container 'side' image "
        "'busybox:latest' is not pinned (set a version tag or a digest, not latest)"]


def test_a_value_a_transformer_changed_keeps_the_template_line(tmp_path: Path) -> None:
    # The images transformer, not the values file, made the tag `latest`.
    root = _tree(tmp_path, prod_kustomization="images:\n  - {name: busybox, newTag: latest}\n")
    code, out, _err = run_cli("check", "prod", cwd=root)
    assert code == 1
    assert _lines(out, "image-tag") == [
        "base/deployment.yaml.j2:21: error [image-tag] prod Deployment/web: container 'side' image "
        "'busybox:latest' is not pinned (set a version tag or a digest, not latest)"]


def test_a_schema_error_on_a_value_names_the_values_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="# prod\nreplicas: many\n")
    code, out, _err = run_cli("check", "prod", cwd=root)
    assert code == 1
    line = next(x for x in _lines(out, "schema"))
    assert line.startswith("overlays/prod/values.yaml:2:1: error [schema] prod Deployment/web: spec.replicas")
    assert line.endswith("(via base/deployment.yaml.j2:7)")


def test_the_json_report_gives_the_values_file_and_the_template_line(tmp_path: Path) -> None:
    import json
    root = _tree(tmp_path, prod_values="side: busybox:latest\n")
    code, out, _err = run_cli("check", "prod", "--format", "json", cwd=root)
    assert code == 1
    found = [f for f in json.loads(out)["findings"] if f["check"] == "image-tag"]
    assert [(f["file"], f["line"], f["via"]) for f in found] == [
        ("overlays/prod/values.yaml", 1, "base/deployment.yaml.j2:21")]


def test_explain_names_the_values_line_via_the_template_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="# prod\nreplicas: 3\n")
    code, out, err = run_cli("explain", "prod", "Deployment/web", "spec.replicas", cwd=root)
    assert code == 0, err
    assert out == ("Deployment/web spec.replicas\n"
                   "  1. declared in overlays/prod/values.yaml:2:1 (values replicas, "
                   "via base/deployment.yaml.j2:7): 3\n"
                   "  final: 3\n")


def test_explain_follows_a_leaf_of_a_map_expression_and_an_alias(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="resources:\n  limits:\n    cpu: 500m\n")
    code, out, err = run_cli("explain", "prod", "Deployment/web",
                             "spec.template.spec.containers[name=web].resources.limits.cpu", cwd=root)
    assert code == 0, err
    assert ("1. declared in overlays/prod/values.yaml:3:5 (values resources.limits.cpu, "
            "via base/deployment.yaml.j2:19): 500m") in out


def test_explain_on_a_mixed_line_names_the_template_line_and_each_value_it_reads(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="image:\n  tag: '1.28'\n")
    code, out, err = run_cli("explain", "prod", "Deployment/web",
                             "spec.template.spec.containers[name=web].image", cwd=root)
    assert code == 0, err
    assert out == ("Deployment/web spec.template.spec.containers[name=web].image\n"
                   "  1. declared in base/deployment.yaml.j2:17: nginx:1.28\n"
                   "     value image.repo from base/values.yaml:3:3\n"
                   "     value image.tag from overlays/prod/values.yaml:2:3\n"
                   "  final: nginx:1.28\n")


def test_explain_names_every_path_from_the_project_root(tmp_path: Path) -> None:
    root = _tree(tmp_path, deploy=DEPLOY.replace("values.replicas", "values.replicaz"))
    code, _out, err = run_cli("explain", "prod", "Deployment/web", "spec.replicas", cwd=root)
    assert code == 1
    assert err.strip() == ("Error: base/deployment.yaml.j2:7: missing value replicaz; did you mean "
                           "replicas? (values files consulted: base/values.yaml, "
                           "overlays/prod/values.yaml)")


def test_render_names_the_values_files_consulted_from_the_project_root(tmp_path: Path) -> None:
    root = _tree(tmp_path, deploy=DEPLOY.replace("values.replicas", "values.replicaz"))
    code, _out, err = run_cli("render", "prod", cwd=root)
    assert code == 1
    assert err.strip() == ("Error: prod: base/deployment.yaml.j2:7: missing value replicaz; did you "
                           "mean replicas? (values files consulted: base/values.yaml, "
                           "overlays/prod/values.yaml)")


def test_show_origin_spells_values_files_as_findings_do(tmp_path: Path) -> None:
    root = _tree(tmp_path, prod_values="# prod\nreplicas: 3\n")
    code, out, err = run_cli("values", "overlays/prod", "--show-origin", cwd=root)
    assert code == 0, err
    assert "replicas: 3  # overlays/prod/values.yaml:2:1\n" in out
    assert "  repo: nginx  # base/values.yaml:3:3\n" in out
