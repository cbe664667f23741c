"""LabelTransformer, the shared map-entry setter, and label_field_specs."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import labels
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import FieldSpec, TransformerConfig, default_config

CTX = PluginContext(loader=None, config=default_config())

DEPLOYMENT_AND_SERVICE = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
---
apiVersion: v1
kind: Service
metadata:
  name: svc
  labels:
    team: old
spec:
  ports:
  - port: 80
"""


def resmap(text: str) -> ResMap:
    return ResMap(Resource(d) for d in yaml.safe_load_all(text) if d is not None)


def objs(rm: ResMap) -> list[dict]:
    return [r.obj for r in rm]


def common_labels(pairs: dict) -> labels.MapEntryTransformer:
    return labels.make({"labels": pairs, "fieldSpecs": [fs.to_dict() for fs in default_config().common_labels]}, CTX)


def test_common_labels_reach_metadata_selectors_and_templates(tmp_path):
    rm = resmap(DEPLOYMENT_AND_SERVICE)
    common_labels({"team": "blue", "tier": None}).transform(rm)
    assert objs(rm) == list(yaml.safe_load_all("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {team: blue, tier: ""}
spec:
  selector:
    matchLabels: {app: web, team: blue, tier: ""}
  template:
    metadata:
      labels: {app: web, team: blue, tier: ""}
---
apiVersion: v1
kind: Service
metadata:
  name: svc
  labels: {team: blue, tier: ""}
spec:
  ports:
  - port: 80
  selector: {team: blue, tier: ""}
"""))


def test_numbers_and_booleans_must_be_quoted():
    for bad in (1, True, 1.5, ["x"]):
        with pytest.raises(KustomizationError, match="must be a string"):
            labels.make({"labels": {"a": bad}, "fieldSpecs": []}, CTX)


def test_no_labels_means_no_walk_even_with_unreachable_specs():
    rm = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels: oops\n")
    before = copy.deepcopy(objs(rm))
    labels.make({"labels": {}, "fieldSpecs": [{"path": "metadata/labels", "create": True}]}, CTX).transform(rm)
    assert objs(rm) == before


@pytest.mark.parametrize("value, kind", [("oops", "ScalarNode"), (["x"], "SequenceNode"), (5, "ScalarNode")])
def test_labels_that_are_not_a_map_are_an_error_naming_field_and_object(value, kind):
    rm = ResMap([Resource({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "cm", "labels": value}})])
    with pytest.raises(ResourceError) as info:
        common_labels({"a": "b"}).transform(rm)
    assert str(info.value) == (
        "considering field 'metadata/labels' of object ConfigMap.v1.[noGrp]/cm.[noNs]: "
        f"wrong node kind: expected MappingNode but got {kind}")


def test_null_target_is_created_only_where_the_spec_creates():
    rm = ResMap([Resource({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "cm", "labels": None},
                           "spec": {"sel": None}})])
    specs = [{"path": "metadata/labels", "create": True}, {"path": "spec/sel", "kind": "ConfigMap"},
             {"path": "spec/missing", "kind": "ConfigMap"}]
    labels.make({"labels": {"a": "b"}, "fieldSpecs": specs}, CTX).transform(rm)
    assert objs(rm) == [{"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "cm", "labels": {"a": "b"}}, "spec": {"sel": None}}]


def test_spec_for_other_kind_or_version_is_ignored():
    rm = resmap(DEPLOYMENT_AND_SERVICE)
    specs = [{"path": "spec/extra", "kind": "Service", "version": "v2", "create": True},
             {"path": "spec/extra", "group": "apps", "kind": "Deployment", "create": True}]
    labels.make({"labels": {"a": "b"}, "fieldSpecs": specs}, CTX).transform(rm)
    dep, svc = objs(rm)
    assert dep["spec"]["extra"] == {"a": "b"}
    assert "extra" not in svc["spec"]


def test_field_spec_objects_are_accepted_as_well_as_dicts():
    rm1, rm2 = resmap(DEPLOYMENT_AND_SERVICE), resmap(DEPLOYMENT_AND_SERVICE)
    specs = list(default_config().common_labels)
    labels.make({"labels": {"a": "b"}, "fieldSpecs": specs}, CTX).transform(rm1)
    common_labels({"a": "b"}).transform(rm2)
    assert objs(rm1) == objs(rm2)


# ---- label_field_specs --------------------------------------------------------------

def test_plain_labels_entry_touches_only_metadata_labels():
    assert labels.label_field_specs({"pairs": {"a": "b"}}) == [FieldSpec(path="metadata/labels", create=True)]


def test_include_selectors_means_all_common_label_specs():
    got = labels.label_field_specs({"includeSelectors": True, "includeTemplates": True})
    assert sorted(got, key=str) == sorted(default_config().common_labels, key=str)


def test_include_templates_adds_template_specs_then_metadata():
    got = labels.label_field_specs({"includeTemplates": True})
    templates = list(default_config().template_labels)
    assert got[:len(templates)] == templates
    assert set(got) == set(templates) | {FieldSpec(path="metadata/labels", create=True)}


def test_own_fields_come_first_and_config_labels_family_is_merged():
    own = {"path": "spec/custom", "kind": "Foo", "create": True}
    cfg = TransformerConfig(labels=(FieldSpec(kind="Bar", path="spec/bar"),))
    got = labels.label_field_specs({"fields": [own]}, cfg)
    assert got == [FieldSpec(kind="Foo", path="spec/custom", create=True),
                   FieldSpec(kind="Bar", path="spec/bar"),
                   FieldSpec(path="metadata/labels", create=True)]


def test_field_conflicting_with_metadata_labels_is_an_error():
    with pytest.raises(KustomizationError, match="^failed to merge labels: conflicting fieldspecs$"):
        labels.label_field_specs({"fields": [{"path": "metadata/labels"}]})


def test_field_conflicting_with_template_spec_is_an_error():
    bad = {"path": "spec/template/metadata/labels", "kind": "Deployment", "create": False}
    with pytest.raises(KustomizationError, match="^failed to merge template fieldSpec: conflicting"):
        labels.label_field_specs({"includeTemplates": True, "fields": [bad]})


def test_unknown_entry_fields_are_refused():
    with pytest.raises(KustomizationError, match="includeVolumeClaimTemplates"):
        labels.label_field_specs({"pairs": {"a": "b"}, "includeVolumeClaimTemplates": True})


def test_non_boolean_flags_are_refused():
    with pytest.raises(KustomizationError):
        labels.label_field_specs({"includeSelectors": "yes"})


# ---- laws ---------------------------------------------------------------------------

keys = st.text(alphabet="abcdef.-/", min_size=1, max_size=6)
values = st.one_of(st.none(), st.text(alphabet="xyz09-", max_size=4))
label_maps = st.dictionaries(keys, values, max_size=4)
existing = st.one_of(st.none(), st.dictionaries(keys, st.text(max_size=3), max_size=3))


def workload(kind: str, meta_labels, selector) -> dict:
    obj = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "w"},
           "spec": {"template": {"metadata": {"labels": meta_labels}}}}
    if meta_labels is not None:
        obj["metadata"]["labels"] = dict(meta_labels)
    if selector is not None:
        obj["spec"]["selector"] = {"matchLabels": dict(selector)}
    return obj


@settings(max_examples=150, deadline=None)
@given(pairs=label_maps, kind=st.sampled_from(["Deployment", "StatefulSet", "Foo"]),
       meta=existing, sel=existing)
def test_applying_the_same_labels_twice_equals_once(pairs, kind, meta, sel):
    once = ResMap([Resource(workload(kind, meta, sel))])
    twice = ResMap([Resource(workload(kind, meta, sel))])
    common_labels(pairs).transform(once)
    common_labels(pairs).transform(twice)
    common_labels(pairs).transform(twice)
    assert objs(once) == objs(twice)


@settings(max_examples=150, deadline=None)
@given(pairs=label_maps, meta=existing)
def test_every_label_ends_up_in_metadata_as_a_string(pairs, meta):
    rm = ResMap([Resource(workload("Deployment", meta, None))])
    common_labels(pairs).transform(rm)
    got = objs(rm)[0]["metadata"].get("labels", {})
    for k, v in pairs.items():
        assert got[k] == ("" if v is None else v)
    for k, v in (meta or {}).items():
        if k not in pairs:
            assert got[k] == v


# ---- keys Kustomize cannot write --------------------------------------------------------

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}


@pytest.mark.parametrize("key", ["true", "False", "null", "~", "1", "0x1F", "1.5", ".inf", "2001-12-14", "2001-1-1"])
def test_new_keys_that_read_back_as_non_strings_are_an_error(key):
    rm = ResMap([Resource(copy.deepcopy(CM))])
    with pytest.raises(ResourceError, match="cannot add key"):
        common_labels({key: "v"}).transform(rm)


@pytest.mark.parametrize("key", ["n", "yes", "on", "12:30", "1a", "a.b/c"])
def test_yaml_1_1_words_are_fine_as_new_keys(key):
    rm = ResMap([Resource(copy.deepcopy(CM))])
    common_labels({key: "v"}).transform(rm)
    assert rm[0].obj["metadata"]["labels"] == {key: "v"}


def test_existing_keys_only_get_a_new_value_whatever_they_look_like():
    rm = ResMap([Resource({**copy.deepcopy(CM), "metadata": {"name": "cm", "labels": {"true": "x", "1": "y"}}})])
    common_labels({"true": "v", "1": "w"}).transform(rm)
    assert rm[0].obj["metadata"]["labels"] == {"true": "v", "1": "w"}


def test_empty_key_is_an_error():
    rm = ResMap([Resource(copy.deepcopy(CM))])
    with pytest.raises(ResourceError, match="expected ScalarNode but got MappingNode"):
        common_labels({"": "v"}).transform(rm)



@pytest.mark.parametrize("key", ["true", "1", "2001-1-1", "yes", "n", "12:30", ""])
def test_key_verdicts_match_kubectl(kubectl_kustomize, tmp_path, key):
    (tmp_path / "cm.yaml").write_text(yaml.safe_dump(CM))
    # JSON quotes every key, so the kustomization reader (YAML 1.1) sees the key as written.
    (tmp_path / "kustomization.yaml").write_text(json.dumps(
        {"resources": ["cm.yaml"], "commonLabels": {key: "v"}}))
    out = kubectl_kustomize(tmp_path)
    rm = ResMap([Resource(copy.deepcopy(CM))])
    try:
        common_labels({key: "v"}).transform(rm)
    except ResourceError:
        assert out.returncode != 0
        return
    assert out.returncode == 0, out.stderr
    assert yaml.safe_load(out.stdout) == rm[0].obj


# ---- entries Kustomize holds as one shared node ----------------------------------------

SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}}


def metadata_only(pairs: dict) -> labels.MapEntryTransformer:
    return labels.make({"labels": pairs, "fieldSpecs": labels.label_field_specs({"pairs": pairs})}, CTX)


def test_overwriting_one_place_changes_every_place_created_together():
    rm = ResMap([Resource(copy.deepcopy(SVC))])
    common_labels({"app": "a"}).transform(rm)
    metadata_only({"app": "b"}).transform(rm)
    assert rm[0].obj["metadata"]["labels"] == {"app": "b"}
    assert rm[0].obj["spec"]["selector"] == {"app": "b"}


def test_entries_that_existed_before_are_not_shared():
    svc = copy.deepcopy(SVC)
    svc["spec"]["selector"] = {"app": "old"}
    rm = ResMap([Resource(svc)])
    common_labels({"app": "a"}).transform(rm)
    metadata_only({"app": "b"}).transform(rm)
    assert rm[0].obj["metadata"]["labels"] == {"app": "b"}
    assert rm[0].obj["spec"]["selector"] == {"app": "a"}


def test_a_place_changed_by_other_means_leaves_the_group():
    rm = ResMap([Resource(copy.deepcopy(SVC))])
    common_labels({"app": "a"}).transform(rm)
    rm[0].obj["spec"]["selector"]["app"] = "patched"
    metadata_only({"app": "b"}).transform(rm)
    assert rm[0].obj["spec"]["selector"] == {"app": "patched"}


def test_sharing_survives_a_resource_copy_and_stays_per_resource():
    rm = ResMap([Resource(copy.deepcopy(SVC))])
    common_labels({"app": "a"}).transform(rm)
    twin = rm[0].copy()
    twin.name = "twin"
    rm.append(twin)
    metadata_only({"app": "b"}).transform(ResMap([twin]))
    assert twin.obj["spec"]["selector"] == {"app": "b"}
    assert rm[0].obj["spec"]["selector"] == {"app": "a"}


@pytest.mark.parametrize("overlay", [
    {"labels": [{"pairs": {"app": "b"}}]},
    {"labels": [{"pairs": {"app": "b"}, "includeTemplates": True}]},
    {"commonAnnotations": {"note": "x"}, "labels": [{"pairs": {"app": "b", "other": "c"}}]},
])
def test_base_common_labels_then_overlay_labels_match_kubectl(kubectl_kustomize, tmp_path, overlay):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    (tmp_path / "base").mkdir()
    (tmp_path / "prod").mkdir()
    (tmp_path / "base" / "res.yaml").write_text(yaml.safe_dump_all([SVC, dep]))
    (tmp_path / "base" / "kustomization.yaml").write_text(json.dumps(
        {"resources": ["res.yaml"], "commonLabels": {"app": "a"}}))
    (tmp_path / "prod" / "kustomization.yaml").write_text(json.dumps({"resources": ["../base"], **overlay}))
    out = kubectl_kustomize(tmp_path / "prod")
    assert out.returncode == 0, out.stderr

    rm = ResMap([Resource(copy.deepcopy(SVC)), Resource(copy.deepcopy(dep))])
    common_labels({"app": "a"}).transform(rm)
    cfg = default_config()
    for entry in overlay.get("labels", []):
        labels.make({"labels": entry["pairs"], "fieldSpecs": labels.label_field_specs(entry, cfg)}, CTX).transform(rm)
    if "commonAnnotations" in overlay:
        from lamina.transformers import annotations
        annotations.make({"annotations": overlay["commonAnnotations"],
                          "fieldSpecs": list(cfg.common_annotations)}, CTX).transform(rm)
    want = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out.stdout)}
    assert {(r.kind, r.name): r.obj for r in rm} == want


def test_keys_and_values_are_not_checked_against_kubernetes_label_syntax():
    # Kustomize writes `a b: x y` without complaint; validation is the API server's job.
    rm = ResMap([Resource(copy.deepcopy(CM))])
    common_labels({"a b": "x y", "UPPER/..": "-" * 70}).transform(rm)
    assert rm[0].obj["metadata"]["labels"] == {"a b": "x y", "UPPER/..": "-" * 70}
