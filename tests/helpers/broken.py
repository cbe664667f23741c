"""A small three-environment project, and one mistake at a time made in it, for the held-out
style "broken tree" tests (tests/messages/test_broken_*.py).

`project_files(dialect)` is a clean tree: bases/app (a Deployment, a Service, a generated
ConfigMap) under overlays/dev, staging and prod, each with patches, images, replicas, labels,
generators and options; the lamina dialect adds values files and a `.j2` ConfigMap. `Break`
is one edit of one file; `expected_place` finds the line (and column) the message must name
from the edited text itself, so a case states its mistake once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.trees import write_tree

ENVS = ("dev", "staging", "prod")
LK = "apiVersion: lamina.dev/v1alpha1\nkind: Kustomization\n"

PROJECT = ("apiVersion: lamina.dev/v1alpha1\nkind: Project\nenvironments:\n"
           + "".join(f"  - name: {e}\n    allowPlaintextSecrets: true\n" for e in ENVS))

DEPLOYMENT = """apiVersion: apps/v1
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
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true}
      containers:
      - name: web
        image: nginx:1.27
        args: ["--port=8080"]
        securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
        resources:
          requests: {cpu: 10m, memory: 16Mi}
          limits: {memory: 32Mi}
        readinessProbe: {httpGet: {path: /, port: 8080}}
        livenessProbe: {httpGet: {path: /, port: 8080}}
        env:
        - name: LOG
          value: info
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
"""
PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations: {team: shop}
"""
SETTINGS_J2 = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings
  annotations:
    example.com/upstream: "{{ values.upstream }}"
data:
  DATABASE_URL: "{{ values.db.url }}"
  CACHE: "{{ values.cache }}"
  REPLICAS: "{{ values.replicas }}"
"""
BASE_VALUES = ("replicas: 1\ndb:\n  url: postgres://app@db.local:5432/shop\n"
               "cache: redis://cache.local:6379\nupstream: api.local\n")


def overlay(env: str) -> str:
    """overlays/<env>/kustomization.yaml (Kustomize's fields only)."""
    return f"""resources:
- ../../bases/app
namespace: shop-{env}
images:
- name: nginx
  newTag: "1.27.1"
replicas:
- name: web
  count: 2
labels:
- pairs:
    tier: web
  includeSelectors: false
patches:
- path: patches/deploy.yaml
- target:
    kind: Deployment
    name: web
  patch: |-
    - op: add
      path: /metadata/annotations
      value: {{team: shop}}
configMapGenerator:
- name: env-config
  literals:
  - DB_HOST=db.{env}.example.internal
  files:
  - app.properties
secretGenerator:
- name: env-secret
  envs:
  - secret.env
generatorOptions:
  disableNameSuffixHash: true
"""


def env_values(env: str) -> str:
    return (f"db:\n  url: postgres://app@db.{env}.example.internal:5432/shop\n"
            f"cache: redis://cache.shop-{env}.svc.cluster.local:6379\n"
            f"upstream: api.{env}.example.internal\n")


def project_files(dialect: str = "kustomize") -> dict[str, str]:
    """The clean project's files (`dialect`: "kustomize" or "lamina")."""
    lamina = dialect == "lamina"
    base = "resources:\n- deployment.yaml\n- service.yaml\n"
    files = {"lamina.yaml": PROJECT, "bases/app/deployment.yaml": DEPLOYMENT,
             "bases/app/service.yaml": SERVICE}
    if lamina:
        files["bases/app/kustomization.yaml"] = (LK + base + "- settings.yaml.j2\n"
                                                 "values:\n- values.yaml\n")
        files["bases/app/settings.yaml.j2"] = SETTINGS_J2
        files["bases/app/values.yaml"] = BASE_VALUES
    else:
        files["bases/app/kustomization.yaml"] = (base + "configMapGenerator:\n- name: app-config\n"
                                                 "  literals:\n  - LOG_LEVEL=info\n")
    for env in ENVS:
        at = f"overlays/{env}/"
        files[at + "kustomization.yaml"] = (LK + "values:\n- values.yaml\n" if lamina else "") + overlay(env)
        files[at + "patches/deploy.yaml"] = PATCH
        files[at + "app.properties"] = f"mode={env}\n"
        files[at + "secret.env"] = "TOKEN=abc\n"
        files[at + "ops.yaml"] = "- op: add\n  path: /metadata/labels/x\n  value: y\n"
        if lamina:
            files[at + "values.yaml"] = env_values(env)
    return files


@dataclass(frozen=True)
class Break:
    """Replace the first `old` in `file` by `new` (`old=None`: delete the file). The message
    must name `at` (default: the file edited) at the line, and the column when it prints
    one, where `anchor` first occurs in the edited text, and match `says` (a regex)."""

    file: str
    old: str | None
    new: str
    anchor: str
    says: str
    at: str = ""

    def apply(self, files: dict[str, str]) -> dict[str, str]:
        out = dict(files)
        if self.old is None:
            del out[self.file]
            return out
        assert out[self.file].count(self.old) >= 1, (self.file, self.old)
        out[self.file] = out[self.file].replace(self.old, self.new, 1)
        return out

    def expected_place(self, files: dict[str, str]) -> tuple[str, int, int]:
        """(file, line, column) of the anchor in the edited files."""
        where = self.at or self.file
        text = files[where]
        index = text.find(self.anchor)
        assert index >= 0, (where, self.anchor)
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        return where, line, column


def write_broken(root: Path, case: Break, dialect: str = "kustomize") -> tuple[Path, dict[str, str]]:
    files = case.apply(project_files(dialect))
    return write_tree(root, files), files


_PLACE = re.compile(r"^Error: (?:(?P<env>[a-z]+): )?(?P<path>[^:\s]+):(?P<line>\d+)(?::(?P<col>\d+))?: ")


def assert_names_place(stderr: str, case: Break, files: dict[str, str], env: str | None,
                       root: Path) -> None:
    """One message: `Error: [env: ]file:line[:col]: ...` at the case's place, with its remedy,
    no traceback, and no machine path."""
    text = stderr.strip()
    assert "Traceback" not in text and "internal error" not in text and "this is a bug" not in text, text
    assert text.count("Error:") == 1, text
    match = _PLACE.match(text)
    assert match, text
    path, line, column = case.expected_place(files)
    assert (match["env"], match["path"], int(match["line"])) == (env, path, line), text
    if match["col"] is not None:
        assert int(match["col"]) == column, text
    assert re.search(case.says, text), (case.says, text)
    assert str(root) not in text and str(root.resolve()) not in text, text   # paths from the root
