"""For the message tests (tests/messages): run the CLI in a tree, and a small two-environment
project's files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


LK = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"

DEPLOY_J2 = """{% set name = values.name %}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ name }}
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
          image: nginx:1.27
          resources:
            requests: {cpu: 10m, memory: 10Mi}
            limits: {memory: 20Mi}
"""


# A Deployment with two containers (sidecar first) for the tests of lines set by patches
# and replacements (tests/messages/test_patched_lines.py, test_inline_patch_lines.py).
PATCHED_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: sidecar
        image: envoy:1.30
      - name: web
        image: nginx:1.25
"""


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    full = dict(os.environ)
    full.pop("LAMINA_DEBUG", None)
    full.update(env or {})
    full["XDG_CACHE_HOME"] = str(cwd / ".cache-home")
    proc = subprocess.run([sys.executable, "-m", "lamina.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180, env=full)
    return proc.returncode, proc.stdout, proc.stderr


def project_files() -> dict[str, str]:
    """base (a .j2 Deployment) and two overlays, dev and prod."""
    files = {
        "base/kustomization.yaml": LK + "resources:\n  - deployment.yaml.j2\n",
        "base/deployment.yaml.j2": DEPLOY_J2,
        "base/values.yaml": "name: web\n",
    }
    for env in ("dev", "prod"):
        files[f"overlays/{env}/kustomization.yaml"] = LK + "values:\n  - values.yaml\nresources:\n  - ../../base\n"
        files[f"overlays/{env}/values.yaml"] = "name: web\nreplicas: 2\n"
    return files
