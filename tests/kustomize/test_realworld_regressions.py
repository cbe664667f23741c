"""Regressions found by building real-world kustomization trees with lamina and with the
pinned `kubectl kustomize` (Kustomize v5.8.1). Each case is a minimal reproduction written
for lamina, not a copy of the project it was found in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.build import build_in_process
from tests.helpers.cli import KubectlKustomize
from tests.helpers.trees import write_tree


def _kubectl(kubectl_kustomize: KubectlKustomize, root: Path) -> tuple[bool, str]:
    proc = kubectl_kustomize(root)
    return proc.returncode == 0, proc.stdout


def _check(tmp_path: Path, files: dict[str, str], expected: str,
           kubectl_kustomize: KubectlKustomize | None = None) -> None:
    root = write_tree(tmp_path, files)
    ok, out = build_in_process(root)
    assert ok, out
    assert out == expected
    if kubectl_kustomize is not None:
        assert _kubectl(kubectl_kustomize, root) == (True, expected)


@pytest.fixture
def oracle(request: pytest.FixtureRequest) -> KubectlKustomize | None:
    """The oracle where the test extra is installed; these cases also run without it."""
    try:
        return request.getfixturevalue("kubectl_kustomize")
    except pytest.skip.Exception:
        return None


# Helm-rendered manifests often carry an `annotations:` key with nothing under it.
# Kustomize's final SetAnnotations rewrite clears the field when it holds no entries.
EMPTY_ANNOTATIONS = {
    "kustomization.yaml": "resources:\n- svc.yaml\n",
    "svc.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: a
  labels:
  annotations:
spec:
  type: ClusterIP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
  annotations: {}
spec:
  template:
    metadata:
      annotations:
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  annotations: text
""",
}

EMPTY_ANNOTATIONS_OUT = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
---
apiVersion: v1
kind: Service
metadata:
  labels: null
  name: a
spec:
  type: ClusterIP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  template:
    metadata:
      annotations: null
"""


def test_empty_metadata_annotations_are_dropped(tmp_path: Path, oracle: KubectlKustomize | None) -> None:
    _check(tmp_path, EMPTY_ANNOTATIONS, EMPTY_ANNOTATIONS_OUT, oracle)


# Helm output also leaves `field:` with nothing under it deeper down. A strategic-merge
# patch drops such untouched empty nulls (kyaml merge2 VisitMap) but keeps spelled-out
# ones (`null`, `~`), in maps and in elements of merged lists alike.
EMPTY_NULLS_UNDER_SMP = {
    "kustomization.yaml": """\
resources:
- d.yaml
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: a
    spec:
      template:
        spec:
          hostNetwork: true
""",
    "d.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
  labels:
  finalizers: ~
spec:
  replicas:
  paused: null
  template:
    metadata:
      labels:
    spec:
      affinity:
        nodeAffinity:
          preferred:
          required: ~
      containers:
      - name: x
        args:
        env:
        - name: A
          value:
      tolerations:
---
apiVersion: v1
kind: Service
metadata:
  name: untouched
spec:
  selector:
""",
}

EMPTY_NULLS_UNDER_SMP_OUT = """\
apiVersion: v1
kind: Service
metadata:
  name: untouched
spec:
  selector: null
---
apiVersion: apps/v1
kind: Deployment
metadata:
  finalizers: null
  name: a
spec:
  paused: null
  template:
    metadata: {}
    spec:
      affinity:
        nodeAffinity:
          required: null
      containers:
      - env:
        - name: A
        name: x
      hostNetwork: true
"""


def test_smp_drops_untouched_empty_nulls_but_keeps_spelled_ones(
        tmp_path: Path, oracle: KubectlKustomize | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    _check(tmp_path, EMPTY_NULLS_UNDER_SMP, EMPTY_NULLS_UNDER_SMP_OUT, oracle)


# `delimiter: =` in a kustomization: PyYAML's YAML 1.1 resolver has a `=` "value" type
# that go-yaml v2 (Kustomize's kustomization reader) does not; it is the text "=".
EQUALS_DELIMITER = {
    "kustomization.yaml": """\
resources:
- r.yaml
replacements:
- source:
    kind: Service
    name: db
    fieldPath: metadata.name
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.template.spec.containers.0.args.0
    options:
      delimiter: =
      index: 1
""",
    "r.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: db
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        args:
        - --host=placeholder
""",
}

EQUALS_DELIMITER_OUT = """\
apiVersion: v1
kind: Service
metadata:
  name: db
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - args:
        - --host=db
        name: app
"""


def test_equals_sign_is_plain_text_in_kustomization(tmp_path: Path, oracle: KubectlKustomize | None) -> None:
    _check(tmp_path, EQUALS_DELIMITER, EQUALS_DELIMITER_OUT, oracle)


@pytest.mark.parametrize("value", ["0e0", "1e3", "-2E+5", "08", "+09", "0_9", "0789"])
def test_exponent_without_dot_is_a_number_in_kustomization(tmp_path: Path, value: str) -> None:
    # go-yaml v2 reads these as floats (strconv.ParseFloat); YAML 1.1's pattern wants a
    # dot. As a number, an annotation value makes the kustomization invalid, as in kubectl.
    root = write_tree(tmp_path, {
        "kustomization.yaml": f"resources:\n- c.yaml\ncommonAnnotations:\n  a: {value}\n",
        "c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    })
    ok, _ = build_in_process(root)
    assert not ok
