"""A field set by an inline patch is named at its line and column inside the kustomization;
by a JSON 6902 operation, at the operation's `value:`; by a replacement, at the target's
`fieldPaths` item in the file that holds it. Findings (lamina check) and `lamina explain`
agree; a field no patch touched keeps the base's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.api.explain import ExplainOptions, explain
from tests.helpers.checks import check_project
from tests.helpers.cli import run_lamina
from tests.helpers.messages import PATCHED_DEPLOYMENT as BASE
from tests.helpers.trees import write_tree

SETTINGS = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  image: nginx:latest
"""

SMP_BODY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        securityContext:
          privileged: true
"""

# The strategic-merge patch above puts the web container first: the sidecar is item 1.
JSON_BODY = """- op: replace
  path: /spec/template/spec/containers/1/image
  value: envoy:latest
"""


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


# How the inline patches are written -> the kustomization, and the line:column of
# `privileged: true` and of the sidecar's `value: envoy:latest` in it.
KUSTOMIZATIONS = {
    "patches": ("resources: [../../base]\npatches:\n  - patch: |-\n" + _indent(SMP_BODY, 6)
                + "  - target: {kind: Deployment, name: web}\n    patch: |-\n"
                + _indent(JSON_BODY, 6), "14:17", "19:9"),
    "patchesStrategicMerge": ("resources: [../../base]\npatchesStrategicMerge:\n  - |\n"
                              + _indent(SMP_BODY, 4) + "patchesJson6902:\n"
                              "  - target: {group: apps, version: v1, kind: Deployment, name: web}\n"
                              "    patch: |\n" + _indent(JSON_BODY, 6), "14:15", "20:9"),
}


def _tree(tmp_path: Path, how: str) -> Path:
    return write_tree(tmp_path / "p", {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": BASE,
        "overlays/prod/kustomization.yaml": KUSTOMIZATIONS[how][0],
    })


def _findings(root: Path) -> dict[tuple[str, str], str]:
    return {(f.check, f.message.split(" (")[0]): str(f.source)
            for f in check_project(str(root)).findings}


def _explained(root: Path, field: str) -> str:
    result = explain(ExplainOptions("prod", "Deployment/web", field, str(root)))
    return str(result.events[-1].where)


@pytest.mark.parametrize("how", sorted(KUSTOMIZATIONS))
def test_fields_of_inline_patches_are_named_inside_the_kustomization(tmp_path: Path,
                                                                      how: str) -> None:
    root = _tree(tmp_path, how)
    _text, privileged, value = KUSTOMIZATIONS[how]
    found = _findings(root)
    kust = "overlays/prod/kustomization.yaml"
    assert found[("hardening", "container 'web' is privileged")] == f"{kust}:{privileged}"
    assert found[("pod-security", "baseline: container 'web' is privileged")] == f"{kust}:{privileged}"
    # The JSON operation is named at its `value:` line, not its `op:` line.
    assert found[("image-tag", "container 'sidecar' image 'envoy:latest' is not pinned")] == \
        f"{kust}:{value}"
    # The web container's image is the base's own.
    assert found[("probes", "container 'web' has no livenessProbe and no readinessProbe")] == \
        "base/deployment.yaml:16:9"
    assert _explained(root, "spec.template.spec.containers[name=web].securityContext.privileged") \
        == f"{kust}:{privileged}"
    assert _explained(root, "spec.template.spec.containers[name=sidecar].image") == f"{kust}:{value}"


def test_the_cli_names_the_inline_patch_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, "patches")
    done = run_lamina("check", cwd=root, env={"XDG_CACHE_HOME": str(tmp_path / "cache"),
                                              "PATH": "/usr/bin:/bin"})
    assert ("overlays/prod/kustomization.yaml:14:17: error [hardening] prod Deployment/web: "
            "container 'web' is privileged\n") in done.stdout + done.stderr


def test_a_flow_style_json_patch_is_named_at_its_scalar(tmp_path: Path) -> None:
    """A patch written as a quoted JSON string has no lines of its own: its scalar's."""
    root = write_tree(tmp_path / "p", {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": BASE,
        "overlays/prod/kustomization.yaml":
            "resources: [../../base]\npatches:\n  - target: {kind: Deployment}\n"
            "    patch: '[{\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/1/image\","
            " \"value\": \"nginx:latest\"}]'\n",
    })
    found = _findings(root)
    assert found[("image-tag", "container 'web' image 'nginx:latest' is not pinned")] == \
        "overlays/prod/kustomization.yaml:4:12"


REPLACEMENT = """  - source: {kind: ConfigMap, name: settings, fieldPath: data.image}
    targets:
      - select: {kind: Deployment, name: web}
        fieldPaths:
          - spec.template.spec.containers.[name=web].image
"""


@pytest.mark.parametrize("where", ["inline", "path"])
def test_a_field_set_by_a_replacement_names_its_field_path(tmp_path: Path, where: str) -> None:
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml, settings.yaml]\n",
        "base/deployment.yaml": BASE,
        "base/settings.yaml": SETTINGS,
    }
    if where == "inline":
        files["overlays/prod/kustomization.yaml"] = "resources: [../../base]\nreplacements:\n" \
            "  - source: {kind: ConfigMap, name: settings, fieldPath: data.image}\n" \
            "    targets:\n      - select: {kind: Deployment, name: web}\n" \
            "        fieldPaths:\n          - spec.template.spec.containers.[name=web].image\n"
        expected = "overlays/prod/kustomization.yaml:7:13"
    else:
        files["overlays/prod/kustomization.yaml"] = \
            "resources: [../../base]\nreplacements:\n  - path: repl.yaml\n"
        files["overlays/prod/repl.yaml"] = \
            "- source: {kind: ConfigMap, name: settings, fieldPath: metadata.name}\n" \
            "  targets:\n    - select: {kind: ConfigMap}\n      fieldPaths: [metadata.annotations.x]\n" \
            "      options: {create: true}\n" + REPLACEMENT.replace("\n  ", "\n").lstrip()
        # The second replacement (after the first's 5 lines) names the image on line 10.
        expected = "overlays/prod/repl.yaml:10:11"
    root = write_tree(tmp_path / "p", files)
    found = _findings(root)
    assert found[("image-tag", "container 'web' image 'nginx:latest' is not pinned")] == expected
    assert _explained(root, "spec.template.spec.containers[name=web].image") == expected
    # The sidecar's image was not replaced: the base's line.
    assert _explained(root, "spec.template.spec.containers[name=sidecar].image") == \
        "base/deployment.yaml:15:9"
