"""The files `lamina init` writes: a small working project for an empty folder, the
project file for an existing repository, .gitignore, and the CI file of each mode."""

from __future__ import annotations

from importlib import resources

from lamina.project.discover import Proposal

RENDERED_BRANCH = "rendered-branch"   # rendered/ is git-ignored; CI publishes a branch
COMMITTED = "committed"               # rendered/ is committed; CI checks it is up to date
MODES = (RENDERED_BRANCH, COMMITTED)
CI_SYSTEMS = ("github", "gitlab", "none")
GITHUB_WORKFLOW = ".github/workflows/lamina.yml"
GITLAB_CI = ".gitlab-ci.yml"
# Where the generated GitHub workflow gets the action (action.yml at lamina's repository root).
ACTION = "lamina-dev/lamina@v0"
SAMPLE_ENVIRONMENTS = ("dev", "staging", "prod")

_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hello
  template:
    metadata:
      labels:
        app.kubernetes.io/name: hello
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 101
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: hello
        image: nginxinc/nginx-unprivileged:1.27
        ports:
        - name: http
          containerPort: 8080
        readinessProbe:
          httpGet:
            path: /
            port: http
        livenessProbe:
          httpGet:
            path: /
            port: http
        resources:
          requests:
            cpu: 50m
            memory: 64Mi
          limits:
            memory: 128Mi
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: [ALL]
        volumeMounts:
        - name: tmp
          mountPath: /tmp
      volumes:
      - name: tmp
        emptyDir: {}
"""

_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector:
    app.kubernetes.io/name: hello
  ports:
  - name: http
    port: 80
    targetPort: http
"""

_BASE = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
- pairs:
    app.kubernetes.io/part-of: hello
resources:
- deployment.yaml
- service.yaml
"""

_REPLICAS = {"dev": 1, "staging": 2, "prod": 3}


def _overlay(env: str) -> str:
    return ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"namespace: hello-{env}\nresources:\n- ../../base\n- namespace.yaml\n"
            f"replicas:\n- name: hello\n  count: {_REPLICAS[env]}\n"
            "labels:\n- pairs:\n    app.kubernetes.io/instance: " + f"hello-{env}\n")


def _namespace(env: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: hello-{env}\n"


_SNAPSHOT_TEST = '''"""Pins what every environment renders to: `pytest --snapshot-update` writes
snapshots/<env>/ (commit them); a plain `pytest` fails on any difference."""

import pytest


@pytest.mark.parametrize("env", [{envs}])
def test_rendered(env, lamina_snapshot):
    lamina_snapshot.assert_build(f"overlays/{{env}}")
'''

_PYTEST_INI = "[pytest]\ntestpaths = tests\n"


def sample_files() -> dict[str, str]:
    """A base, three overlays and a snapshot test (lamina.yaml and .gitignore aside)."""
    files = {"base/kustomization.yaml": _BASE, "base/deployment.yaml": _DEPLOYMENT,
             "base/service.yaml": _SERVICE, "pytest.ini": _PYTEST_INI,
             "tests/test_rendered.py": _SNAPSHOT_TEST.format(
                 envs=", ".join(f'"{e}"' for e in SAMPLE_ENVIRONMENTS))}
    for env in SAMPLE_ENVIRONMENTS:
        files[f"overlays/{env}/kustomization.yaml"] = _overlay(env)
        files[f"overlays/{env}/namespace.yaml"] = _namespace(env)
    return files


def project_file(environments: list[Proposal], mode: str, output_dir: str,
                 lowered: dict[str, int], left_out: list[tuple[Proposal, str]]) -> str:
    """lamina.yaml (docs/project-file.md). `lowered`: check id -> findings, for checks
    that found errors in the existing manifests and are set to warn until they are fixed."""
    lines = ["# lamina's project file: docs/project-file.md",
             "apiVersion: lamina.dev/v1alpha1", "kind: Project", "environments:"]
    for p in environments:
        lines += [f"  - name: {_quote(p.name)}", f"    overlay: {_quote(p.overlay)}"]
    for p, why in left_out:
        lines.append(f"  # not added: {p.overlay} ({why})")
    lines += ["output:", f"  dir: {_quote(output_dir)}"]
    if mode == COMMITTED:
        lines.append("  committed: true     # rendered files are committed beside their sources")
    lines += ["publish:", "  branch: rendered"]
    if lowered:
        lines += ["checks:", "  rules:"]
        for check_id, count in sorted(lowered.items()):
            lines.append(f"    {check_id}: {{level: warning}}   # lamina init: {count} existing "
                         "findings; fix them, then remove this line")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    import json
    plain = text.replace("-", "").replace("_", "").replace("/", "").replace(".", "")
    return text if plain.isalnum() and not text[0].isdigit() else json.dumps(text)


def gitignore(mode: str, output_dir: str) -> str:
    lines = []
    if mode == RENDERED_BRANCH:
        lines += ["# lamina: CI publishes the rendered output to the rendered branch",
                  gitignore_line(output_dir)]
    lines += ["__pycache__/", ".pytest_cache/"]
    return "\n".join(lines) + "\n"


def gitignore_line(output_dir: str) -> str:
    return f"/{output_dir}/"


def ci_file(system: str, mode: str) -> tuple[str, str] | None:
    """(path, text) of the CI file for `system` in `mode`, or None for 'none'."""
    if system == "github":
        text = resources.files("lamina.project").joinpath("ci/github-workflow.yaml").read_text(
            encoding="utf-8")
        return GITHUB_WORKFLOW, text.replace("@ACTION@", ACTION).replace("@MODE@", mode)
    if system == "gitlab":
        text = resources.files("lamina.project").joinpath("ci/gitlab-ci.yaml").read_text(
            encoding="utf-8")
        return GITLAB_CI, text.replace('LAMINA_MODE: "rendered-branch"', f'LAMINA_MODE: "{mode}"')
    return None
