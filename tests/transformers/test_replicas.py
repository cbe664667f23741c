"""ReplicaCountTransformer: name matching over current and previous ids, counts, errors."""

from __future__ import annotations


import pytest
import yaml
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import replicas
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config

CTX = PluginContext(loader=None, config=default_config())
WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: web
spec: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
"""


def resmap(text: str) -> ResMap:
    return ResMap(Resource(d) for d in yaml.safe_load_all(text) if d is not None)


def transformer(name: str, count, specs=None) -> replicas.ReplicaCountTransformer:
    if specs is None:
        specs = [fs.to_dict() for fs in default_config().replicas]
    return replicas.make({"replica": {"name": name, "count": count}, "fieldSpecs": specs}, CTX)


def test_sets_every_selected_kind_creating_the_field():
    rm = resmap(WORKLOADS)
    transformer("web", 3).transform(rm)
    dep, sts, ds, cm = (r.obj for r in rm)
    assert dep["spec"] == {"replicas": 3}
    assert sts["spec"] == {"replicas": 3}
    assert ds["spec"] == {}
    assert "spec" not in cm


def test_previous_names_still_match_after_a_rename():
    rm = resmap(WORKLOADS)
    dep = rm[0]
    dep.remember_id()
    dep.name = "p-web"
    transformer("web", 2).transform(rm)
    assert dep.obj["spec"]["replicas"] == 2
    transformer("p-web", 5).transform(rm)
    assert dep.obj["spec"]["replicas"] == 5


def test_no_match_is_an_error_listing_the_kinds_searched():
    rm = resmap(WORKLOADS)
    with pytest.raises(ResourceError) as info:
        transformer("nope", 2).transform(rm)
    assert str(info.value) == (
        "resource with name nope does not match a config with the following GVK "
        "[" + " ".join(str(fs.kind) + ".[noVer].[noGrp]" for fs in default_config().replicas) + "]")


def test_custom_field_spec_for_a_custom_kind():
    rm = resmap("apiVersion: example.com/v1\nkind: Scaler\nmetadata: {name: web}\nspec:\n  size: null\n")
    transformer("web", 4, [{"path": "spec/size", "kind": "Scaler"}]).transform(rm)
    assert rm[0].obj["spec"] == {"size": 4}


def test_a_map_at_the_replicas_path_is_an_error():
    rm = resmap("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: {a: 1}\n")
    with pytest.raises(ResourceError, match="considering field 'spec/replicas' of object "
                                            r"Deployment.v1.apps/web.\[noNs\]: wrong node kind"):
        transformer("web", 2).transform(rm)


def test_a_quoted_count_stays_a_string():
    rm = resmap('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: "3"\n')
    transformer("web", 5).transform(rm)
    assert rm[0].obj["spec"]["replicas"] == "5"


@pytest.mark.parametrize("raw, count", [(None, 0), (3, 3), (3.0, 3), (0, 0)])
def test_count_decoding(raw, count):
    assert replicas.Replica.from_dict({"name": "x", "count": raw}).count == count


@pytest.mark.parametrize("raw", ["3", True, 2.5, [1]])
def test_count_must_be_an_integer(raw):
    with pytest.raises(KustomizationError):
        replicas.Replica.from_dict({"name": "x", "count": raw})


@settings(max_examples=100, deadline=None)
@given(count=st.integers(0, 10 ** 6), before=st.one_of(st.none(), st.integers(0, 9)))
def test_result_is_the_count_whatever_was_there(count, before):
    spec = {} if before is None else {"replicas": before}
    rm = ResMap([Resource({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
                           "spec": spec})])
    transformer("w", count).transform(rm)
    transformer("w", count).transform(rm)
    assert rm[0].obj["spec"]["replicas"] == count


@pytest.mark.parametrize("name", ["web", "p-web", "nope"])
def test_matches_kubectl_with_a_name_prefix(kubectl_kustomize, tmp_path, name):
    (tmp_path / "res.yaml").write_text(WORKLOADS)
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(
        {"resources": ["res.yaml"], "namePrefix": "p-", "replicas": [{"name": name, "count": 7}]}))
    out = kubectl_kustomize(tmp_path)
    # Replicas run after the prefix; emulate the rename the prefix transformer records.
    rm = resmap(WORKLOADS)
    for r in rm:
        r.remember_id()
        r.name = "p-" + r.name
    try:
        transformer(name, 7).transform(rm)
    except ResourceError:
        assert out.returncode != 0
        return
    assert out.returncode == 0, out.stderr
    want = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out.stdout)}
    assert {(r.kind, r.name): r.obj for r in rm} == want
