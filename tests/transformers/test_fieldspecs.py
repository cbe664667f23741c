"""Field specs: path walking, merge rules, configuration files and CRD-derived specs."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resid import Gvk
from lamina.transformers.fieldspecs import (FieldSpec, NameBackReference, TransformerConfig,
                                            default_config, load_config)
from lamina.transformers.fieldwalk import PathError, apply_at, apply_fieldspecs, split_path
from lamina.transformers.crd_fieldspecs import config_from_crds
from lamina.yaml import load_all


def doc(text: str) -> dict:
    return load_all(text, "test.yaml")[0]


# ---- paths -----------------------------------------------------------------------------

def test_split_path_handles_escaped_slash_leading_slash_and_list_marks():
    assert split_path("metadata/annotations/a.io\\/key") == (
        ("metadata", False), ("annotations", False), ("a.io/key", False))
    assert split_path("/spec/containers[]/image") == (
        ("spec", False), ("containers", True), ("image", False))


def test_apply_at_enters_lists_with_or_without_marker():
    obj = doc("""
spec:
  containers: [{image: a}, {image: b}, {name: no-image}]
""")
    apply_at(obj, "spec/containers/image", lambda v: v + "1")
    apply_at(obj, "spec/containers[]/image", lambda v: v + "2")
    assert obj["spec"]["containers"] == [{"image": "a12"}, {"image": "b12"}, {"name": "no-image"}]


def test_apply_at_creates_only_when_asked():
    obj = {"kind": "Deployment"}
    apply_at(obj, "spec/template/metadata/labels", lambda v: {"a": "b"})
    assert obj == {"kind": "Deployment"}
    apply_at(obj, "spec/template/metadata/labels", lambda v: {**(v or {}), "a": "b"}, create=True)
    assert obj == {"kind": "Deployment", "spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}


def test_apply_at_does_not_create_list_segments():
    obj = {"spec": {}}
    apply_at(obj, "spec/containers[]/image", lambda v: "x", create=True)
    assert obj == {"spec": {}}


def test_null_on_the_way_stops_the_walk_unless_creating():
    obj = {"spec": None}
    apply_at(obj, "spec/selector", lambda v: "x")
    assert obj == {"spec": None}
    apply_at(obj, "spec/selector", lambda v: "x", create=True)
    assert obj == {"spec": {"selector": "x"}}


def test_null_list_segment_becomes_empty_list():
    # Kustomize turns a null it expects to be a list into an empty list.
    obj = {"spec": {"containers": None}}
    apply_at(obj, "spec/containers[]/image", lambda v: "x")
    assert obj == {"spec": {"containers": []}}


def test_leaf_null_is_passed_to_fn():
    seen = []
    obj = {"metadata": {"name": None}}
    apply_at(obj, "metadata/name", lambda v: seen.append(v) or "n")
    assert seen == [None] and obj["metadata"]["name"] == "n"


def test_scalar_in_the_middle_of_a_path_is_an_error():
    with pytest.raises(PathError, match="expected sequence or mapping node"):
        apply_at({"spec": "oops"}, "spec/template/metadata", lambda v: v)


def test_apply_fieldspecs_selects_by_gvk_and_names_object_on_error():
    obj = doc("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: 3
""")
    specs = [FieldSpec(kind="Service", path="spec/x"), FieldSpec(group="apps", kind="Deployment", path="spec/x/y")]
    with pytest.raises(ResourceError, match=r"considering field 'spec/x/y' of object Deployment.v1.apps/d"):
        apply_fieldspecs(obj, specs, lambda v: v)
    apply_fieldspecs(obj, specs[:1], lambda v: 1 / 0)   # not selected: fn never runs


# ---- FieldSpec and merge ---------------------------------------------------------------

def test_fieldspec_from_dict_rejects_unknown_keys_and_bad_types():
    assert FieldSpec.from_dict({"path": "a/b", "kind": "K", "create": True}) == FieldSpec(kind="K", path="a/b", create=True)
    with pytest.raises(KustomizationError, match='f.yaml.*unknown field "paht"'):
        FieldSpec.from_dict({"paht": "x"}, "f.yaml")
    with pytest.raises(KustomizationError, match="create"):
        FieldSpec.from_dict({"path": "x", "create": "yes"}, "f.yaml")


def test_fieldspec_matches_empty_parts_as_wildcards():
    fs = FieldSpec(group="apps", kind="Deployment", path="p")
    assert fs.matches(Gvk("apps", "v1", "Deployment"))
    assert not fs.matches(Gvk("", "v1", "Deployment"))
    assert FieldSpec(path="p").matches(Gvk("x", "y", "z"))


def test_merge_collapses_specs_covered_by_a_wider_selector():
    base = TransformerConfig(common_labels=(FieldSpec(kind="Deployment", path="a"),))
    other = TransformerConfig(common_labels=(FieldSpec(path="a"), FieldSpec(path="b")))
    merged = base.merge(other)
    assert merged.common_labels == (FieldSpec(kind="Deployment", path="a"), FieldSpec(path="b"))


def test_merge_conflicting_create_is_an_error():
    base = TransformerConfig(namespace=(FieldSpec(path="a", create=True),))
    with pytest.raises(KustomizationError, match="failed to merge NameSpace fieldSpec: conflicting fieldspecs"):
        base.merge(TransformerConfig(namespace=(FieldSpec(path="a"),)))


def test_name_reference_entries_merge_per_referral_kind():
    a = TransformerConfig(name_reference=(NameBackReference(kind="Secret", version="v1",
                                                            field_specs=(FieldSpec(kind="Pod", path="x"),)),))
    b = TransformerConfig(name_reference=(
        NameBackReference(kind="Secret", version="v1", field_specs=(FieldSpec(kind="Pod", path="y"),)),
        NameBackReference(kind="Bee", field_specs=(FieldSpec(kind="Hive", path="bee"),))))
    merged = a.merge(b)
    by_kind = {n.kind: n for n in merged.name_reference}
    assert [fs.path for fs in by_kind["Secret"].field_specs] == ["x", "y"]
    assert by_kind["Bee"].field_specs == (FieldSpec(kind="Hive", path="bee"),)


_fs = st.builds(FieldSpec, group=st.sampled_from(["", "apps"]), version=st.sampled_from(["", "v1"]),
                kind=st.sampled_from(["", "Deployment", "Service"]),
                path=st.sampled_from(["a", "a/b", "c"]), create=st.just(False))


@settings(max_examples=60)
@given(st.lists(_fs, max_size=6), st.lists(_fs, max_size=6))
def test_merge_is_idempotent(xs, ys):
    a = TransformerConfig().merge(TransformerConfig(images=tuple(xs)))
    b = a.merge(TransformerConfig(images=tuple(ys)))
    assert b.merge(b) == b
    assert b.merge(TransformerConfig()) == b


# ---- defaults and configuration files --------------------------------------------------

def test_default_config_carries_kustomize_builtin_specs():
    cfg = default_config()
    assert cfg.name_prefix == (FieldSpec(path="metadata/name"),)
    assert FieldSpec(kind="Namespace", path="metadata/name", create=True) in cfg.namespace
    kinds = {n.kind for n in cfg.name_reference}
    assert {"ConfigMap", "Secret", "ServiceAccount", "ClusterRole", "IngressClass"} <= kinds
    secret = next(n for n in cfg.name_reference if n.kind == "Secret")
    assert FieldSpec(kind="Ingress", path="metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret") \
        in secret.field_specs
    assert cfg.merge(cfg) == cfg


def test_load_config_reads_kustomize_spelling():
    cfg = load_config(doc("""
nameReference:
- kind: Bee
  version: v1beta1
  fieldSpecs:
  - path: spec/beeRef/name
    kind: MyKind
commonLabels:
- path: spec/selector
  kind: MyKind
  create: true
"""), "config.yaml")
    assert cfg.common_labels == (FieldSpec(kind="MyKind", path="spec/selector", create=True),)
    assert cfg.name_reference[0].gvk == Gvk("", "v1beta1", "Bee")


@pytest.mark.parametrize("text, msg", [
    ("namePrefix: [{path: a, foo: b}]", 'unknown field "foo"'),
    ("nameprefixes: []", 'unknown field "nameprefixes"'),
    ("namePrefix: {path: a}", "namePrefix must be a list"),
    ("- a", "must be a map"),
])
def test_load_config_errors_name_the_file(text, msg):
    with pytest.raises(KustomizationError, match=f"cfg.yaml: .*{msg}"):
        load_config(load_all(text, "cfg.yaml")[0], "cfg.yaml")


def test_config_from_crds_follows_refs_and_reads_extensions():
    defs = {
        "example.com/v1.Hive": {"Schema": {"properties": {
            "kind": {}, "apiVersion": {}, "metadata": {},
            "spec": {"$ref": "example.com/v1.HiveSpec"}}}},
        "example.com/v1.HiveSpec": {"Schema": {"properties": {
            "queen": {"x-kubernetes-object-ref-api-version": "v1", "x-kubernetes-object-ref-kind": "Bee"},
            "keeper": {"x-kubernetes-object-ref-api-version": "v1", "x-kubernetes-object-ref-kind": "Secret",
                       "x-kubernetes-object-ref-name-key": "secretName"},
            "notes": {"x-kubernetes-annotation": ""},
            "selector": {"x-kubernetes-label-selector": ""},
            "ident": {"x-kubernetes-identity": ""},
            "ignored": {"x-kubernetes-annotation": True}}}},
        "example.com/v1.NotAKind": {"Schema": {"properties": {"spec": {"x-kubernetes-annotation": ""}}}},
    }
    cfg = config_from_crds([json.loads(json.dumps(defs))])
    refs = {n.kind: n for n in cfg.name_reference}
    assert refs["Bee"].field_specs == (FieldSpec(kind="Hive", path="spec/queen/name"),)
    assert refs["Secret"].field_specs == (FieldSpec(kind="Hive", path="spec/keeper/secretName"),)
    assert cfg.common_annotations == (FieldSpec(kind="Hive", path="spec/notes"),)
    assert cfg.common_labels == (FieldSpec(kind="Hive", path="spec/selector"),)
    assert cfg.name_prefix == (FieldSpec(kind="Hive", path="spec/ident"),)


def test_merge_order_decides_whether_a_general_spec_survives():
    # Kustomize merges each kustomization's (defaults + configurations) into the
    # accumulator's config, which starts empty. Sorting puts the Deployment spec first,
    # and re-merging then treats the later general spec as already covered. A base's
    # config merged in first keeps the general spec instead (kubectl then prefixes a
    # Deployment twice). Both outcomes were checked against kubectl.
    user = load_config({"namePrefix": [{"path": "metadata/name", "kind": "Deployment"}]}, "c.yaml")
    own = default_config().merge(user)
    assert [fs.kind for fs in own.name_prefix] == ["Deployment", ""]
    assert [fs.kind for fs in TransformerConfig().merge(own).name_prefix] == ["Deployment"]
    from_base = TransformerConfig().merge(default_config())
    assert [fs.kind for fs in from_base.merge(own).name_prefix] == ["Deployment", ""]


def test_config_keys_match_without_regard_to_case():
    # Go's JSON decoding (which Kustomize uses here) matches field names ignoring case.
    cfg = load_config({"nameprefix": [{"Path": "metadata/name", "KIND": "Deployment"}]}, "c.yaml")
    assert cfg.name_prefix == (FieldSpec(kind="Deployment", path="metadata/name"),)
