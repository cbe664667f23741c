"""AnnotationsTransformer: commonAnnotations at metadata and pod-template locations."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import annotations
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config

CTX = PluginContext(loader=None, config=default_config())
TREE = """
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
  annotations:
    keep: me
spec:
  jobTemplate:
    spec:
      template:
        metadata: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    metadata:
      annotations: null
"""


def resmap(text: str) -> ResMap:
    return ResMap(Resource(d) for d in yaml.safe_load_all(text) if d is not None)


def common(pairs) -> annotations.MapEntryTransformer:
    return annotations.make({"annotations": pairs,
                             "fieldSpecs": [fs.to_dict() for fs in default_config().common_annotations]}, CTX)


def test_common_annotations_yaml_in_yaml_out():
    rm = resmap(TREE)
    common({"owner": "me", "empty": None}).transform(rm)
    assert [r.obj for r in rm] == list(yaml.safe_load_all("""
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
  annotations: {keep: me, owner: me, empty: ""}
spec:
  jobTemplate:
    metadata:
      annotations: {owner: me, empty: ""}
    spec:
      template:
        metadata:
          annotations: {owner: me, empty: ""}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  annotations: {owner: me, empty: ""}
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  annotations: {owner: me, empty: ""}
spec:
  template:
    metadata:
      annotations: {owner: me, empty: ""}
"""))


def test_existing_value_is_overwritten_as_a_string():
    rm = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations: {n: 5}\n")
    common({"n": "6"}).transform(rm)
    assert rm[0].obj["metadata"]["annotations"] == {"n": "6"}


def test_config_values_must_be_strings():
    with pytest.raises(KustomizationError):
        common({"n": 5})


def test_scalar_annotations_field_is_an_error():
    rm = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations: text\n")
    with pytest.raises(ResourceError, match="metadata/annotations.*expected MappingNode but got ScalarNode"):
        common({"n": "6"}).transform(rm)


@settings(max_examples=100, deadline=None)
@given(pairs=st.dictionaries(st.text("abc./", min_size=1, max_size=4), st.text("xy ", max_size=3), max_size=4))
def test_idempotent(pairs):
    once, twice = resmap(TREE), resmap(TREE)
    common(pairs).transform(once)
    for _ in range(2):
        common(pairs).transform(twice)
    assert [r.obj for r in once] == [r.obj for r in twice]


@settings(max_examples=50, deadline=None)
@given(pairs=st.dictionaries(st.text("abc", min_size=1, max_size=3), st.text("xy", max_size=2), max_size=3))
def test_order_of_two_disjoint_annotation_sets_does_not_matter(pairs):
    other = {"zz-" + k: v for k, v in pairs.items()}
    a, b = resmap(TREE), resmap(TREE)
    common(pairs).transform(a)
    common(other).transform(a)
    common(other).transform(b)
    common(pairs).transform(b)
    assert [r.obj for r in a] == [r.obj for r in b]


def test_matches_kubectl(kubectl_kustomize, tmp_path):
    pairs = {"owner": "team a", "example.com/id": "", "x": "1"}
    (tmp_path / "res.yaml").write_text(TREE)
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(
        {"resources": ["res.yaml"], "commonAnnotations": pairs}))
    out = kubectl_kustomize(tmp_path)
    assert out.returncode == 0, out.stderr
    rm = resmap(TREE)
    common(copy.deepcopy(pairs)).transform(rm)
    want = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out.stdout)}
    assert {(r.kind, r.name): r.obj for r in rm} == want
