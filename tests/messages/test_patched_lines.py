"""A field a patch sets is reported at the patch's line (from the project root), for every
kind of patch; a field the patch does not touch keeps the base's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.api.explain import ExplainOptions, explain
from tests.helpers.checks import check_project
from tests.helpers.messages import PATCHED_DEPLOYMENT as BASE
from tests.helpers.trees import write_tree

SMP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:latest
        securityContext:
          privileged: true
"""

JSON = """- op: replace
  path: /spec/template/spec/containers/1/image
  value: nginx:latest
- op: add
  path: /spec/template/spec/containers/1/securityContext
  value:
    privileged: true
"""

KUSTOMIZATIONS = {
    "patches": "resources: [../../base]\npatches:\n  - path: patch.yaml\n",
    "patchesStrategicMerge": "resources: [../../base]\npatchesStrategicMerge:\n  - patch.yaml\n",
    "json6902": "resources: [../../base]\npatches:\n  - path: patch.yaml\n    target: {kind: Deployment, name: web}\n",
    "patchesJson6902": "resources: [../../base]\npatchesJson6902:\n  - path: patch.yaml\n"
                       "    target: {group: apps, version: v1, kind: Deployment, name: web}\n",
}

# kind of patch -> (patch text, line of the image, line of privileged)
EXPECTED = {"patches": (SMP, 10, 12), "patchesStrategicMerge": (SMP, 10, 12),
            "json6902": (JSON, 3, 7), "patchesJson6902": (JSON, 3, 7)}


def _tree(tmp_path: Path, how: str) -> Path:
    return write_tree(tmp_path / "p", {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": BASE,
        "overlays/prod/kustomization.yaml": KUSTOMIZATIONS[how],
        "overlays/prod/patch.yaml": EXPECTED[how][0],
    })


@pytest.mark.parametrize("how", sorted(EXPECTED))
def test_findings_on_patched_fields_name_the_patch_line(tmp_path: Path, how: str) -> None:
    _text, image, privileged = EXPECTED[how]
    found = {(f.check, f.message.split(" (")[0]): str(f.source).rsplit(":", 1)[0]
             if str(f.source).count(":") == 2 else str(f.source)
             for f in check_project(str(_tree(tmp_path, how))).findings}
    assert found[("image-tag", "container 'web' image 'nginx:latest' is not pinned")] == \
        f"overlays/prod/patch.yaml:{image}"
    assert found[("hardening", "container 'web' is privileged")] == f"overlays/prod/patch.yaml:{privileged}"
    assert found[("pod-security", "baseline: container 'web' is privileged")] == \
        f"overlays/prod/patch.yaml:{privileged}"
    # The sidecar is untouched by the patch: its findings stay in the base.
    assert found[("probes", "container 'sidecar' has no livenessProbe and no readinessProbe")] == \
        "base/deployment.yaml:14"


def test_explain_and_check_agree_on_the_patch_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, "patches")
    result = explain(ExplainOptions("prod", "Deployment/web",
                                    "spec.template.spec.containers[name=web].image", str(root)))
    assert str(result.events[-1].where) == "overlays/prod/patch.yaml:10:9"
