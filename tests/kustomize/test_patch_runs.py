"""Long runs of patches and replicas entries share one ResMap editing window; renames
made by one patch must still be seen by the next, exactly as Kustomize sees them."""

from __future__ import annotations


from lamina.kustomize.build import build, render

from tests.helpers.trees import write_tree

CMS = "".join(f"""---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm{i}
data:
  k: "{i}"
""" for i in range(4))

DEPLOY = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: web
        image: nginx
"""

KUSTOMIZATION = """resources:
- res.yaml
patches:
- target: {kind: ConfigMap, name: cm1}
  patch: |-
    - op: replace
      path: /metadata/name
      value: renamed
- patch: |-
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: renamed
    data:
      after: rename
- patch: |-
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: cm2
    $patch: delete
- patch: |-
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: cm3
    data:
      k: three
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 2
replicas:
- name: web
  count: 5
"""


def _tree(tmp_path):
    return write_tree(tmp_path, {"kustomization.yaml": KUSTOMIZATION, "res.yaml": CMS + DEPLOY})


def test_renames_and_deletes_inside_a_run_of_patches(tmp_path):
    out = render(build(str(_tree(tmp_path))))
    assert "name: renamed\n" in out and "after: rename" in out
    assert "name: cm2" not in out
    assert "k: three" in out and "replicas: 5" in out


def test_same_bytes_as_kubectl(tmp_path, kubectl_kustomize):
    root = _tree(tmp_path)
    expected = kubectl_kustomize(root, check=True).stdout
    assert render(build(str(root))) == expected
