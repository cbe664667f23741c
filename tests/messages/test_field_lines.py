"""Deliver 1: findings, explain and schema errors point at the field's own line."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.trees import write_tree
from tests.helpers.messages import run_cli


def test_a_finding_in_a_template_names_the_template_line_of_its_field(project: Path) -> None:
    tpl = project / "base/deployment.yaml.j2"
    tpl.write_text(tpl.read_text().replace("nginx:1.27", "nginx:latest"))
    code, out, _err = run_cli("check", "prod", cwd=project)
    assert code == 1
    assert ("base/deployment.yaml.j2:17: error [image-tag] prod Deployment/web: container 'web' "
            "image 'nginx:latest' is not pinned (set a version tag or a digest, not latest)") in out


def test_a_finding_in_a_second_document_names_its_field_line_and_column(project: Path) -> None:
    write_tree(project, {
        "base/kustomization.yaml": "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"
                                   "resources:\n  - deployment.yaml.j2\n  - pods.yaml\n",
        "base/pods.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n"
                          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                          "  securityContext: {runAsNonRoot: true}\n  containers:\n"
                          "    - name: c\n      image: busybox:1.36\n"
                          "      securityContext:\n        privileged: true\n",
    })
    code, out, _err = run_cli("check", "prod", cwd=project)
    assert code == 1
    assert "base/pods.yaml:16:9: error [hardening] prod Pod/p: container 'c' is privileged" in out


def test_a_generated_secret_points_at_its_generator_entry(project: Path) -> None:
    kust = project / "overlays/prod/kustomization.yaml"
    kust.write_text(kust.read_text() + "secretGenerator:\n  - name: creds\n    literals: [password=hunter2]\n")
    code, out, _err = run_cli("check", "prod", cwd=project)
    assert code == 1
    line = next(x for x in out.splitlines() if "[plaintext-secret]" in x)
    assert line.startswith("overlays/prod/kustomization.yaml:8: error [plaintext-secret] prod Secret/creds-")
    assert "encrypt it" in line


def test_explain_names_the_values_line_via_the_template_line(project: Path) -> None:
    code, out, err = run_cli("explain", "prod", "Deployment/web", "spec.replicas", cwd=project)
    assert code == 0, err
    assert ("1. declared in overlays/prod/values.yaml:2:1 (values replicas, "
            "via base/deployment.yaml.j2:7): 2") in out


def test_a_schema_error_points_at_the_unknown_field(project: Path) -> None:
    tpl = project / "base/deployment.yaml.j2"
    tpl.write_text(tpl.read_text().replace("          image: nginx:1.27\n",
                                           "          image: nginx:1.27\n          portz: []\n"))
    code, out, _err = run_cli("check", "prod", cwd=project)
    assert code == 1
    assert ("base/deployment.yaml.j2:18: error [schema] prod Deployment/web: "
            "spec.template.spec.containers[0]: unknown field 'portz'") in out
