"""Prefix and suffix transformers: what is renamed, what is recorded, what is skipped."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import prefix_suffix
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config
from lamina.yaml import load_all

CTX = PluginContext(loader=None, config=default_config())
NAME_SPECS = [{"path": "metadata/name"}]

DOCS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crds.example.com}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.example.com}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
"""


def resmap(text: str = DOCS) -> ResMap:
    return ResMap(Resource(d) for d in load_all(text, "in.yaml") if d is not None)


def names(rm: ResMap) -> list[str]:
    return [r.name for r in rm]


def test_prefix_and_suffix_skip_crds_namespaces_and_apiservices():
    rm = resmap()
    prefix_suffix.make_prefix({"prefix": "p-", "fieldSpecs": NAME_SPECS}, CTX).transform(rm)
    prefix_suffix.make_suffix({"suffix": "-s", "fieldSpecs": NAME_SPECS}, CTX).transform(rm)
    assert names(rm) == ["p-cm-s", "ns", "crds.example.com", "v1.example.com", "p-web-s"]


def test_renames_are_recorded_for_name_references():
    rm = resmap()
    prefix_suffix.make_prefix({"prefix": "a-", "fieldSpecs": NAME_SPECS}, CTX).transform(rm)
    prefix_suffix.make_prefix({"prefix": "b-", "fieldSpecs": NAME_SPECS}, CTX).transform(rm)
    cm = rm[0]
    assert cm.name == "b-a-cm"
    assert cm.prefixes == ["a-", "b-"]
    assert [i.name for i in cm.previous_ids] == ["cm", "a-cm"]
    assert cm.org_id.name == "cm"
    ns = rm[1]
    assert ns.prefixes == [] and ns.previous_ids == []


def test_empty_affix_records_nothing():
    rm = resmap()
    before = [dict(r.obj) for r in rm]
    prefix_suffix.make_prefix({"prefix": "", "fieldSpecs": NAME_SPECS}, CTX).transform(rm)
    assert [r.obj for r in rm] == before
    assert all(not r.previous_ids and not r.prefixes for r in rm)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="abc-", max_size=5), st.text(alphabet="abc-", max_size=5))
def test_prefix_then_suffix_equals_the_legacy_combined_kind(prefix, suffix):
    a, b = resmap(), resmap()
    prefix_suffix.make_prefix({"prefix": prefix, "fieldSpecs": NAME_SPECS}, CTX).transform(a)
    prefix_suffix.make_suffix({"suffix": suffix, "fieldSpecs": NAME_SPECS}, CTX).transform(a)
    prefix_suffix.make_prefix_suffix({"prefix": prefix, "suffix": suffix,
                                      "fieldSpecs": NAME_SPECS}, CTX).transform(b)
    assert [r.obj for r in a] == [r.obj for r in b]
    assert [r.org_id for r in a] == [r.org_id for r in b]
    for r, orig in zip(a, resmap()):
        if r.name != orig.name:
            assert r.name == prefix + orig.name + suffix


def test_kind_restricted_spec_and_created_field():
    rm = resmap()
    prefix_suffix.make_prefix({"prefix": "x-", "fieldSpecs": [
        {"path": "metadata/name", "kind": "Deployment"},
        {"path": "spec/ident", "kind": "Deployment", "create": True}]}, CTX).transform(rm)
    assert names(rm) == ["cm", "ns", "crds.example.com", "v1.example.com", "x-web"]
    assert rm[4].obj["spec"] == {"ident": "x-"}


def test_non_string_scalar_names_are_prefixed_as_text():
    rm = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 7}\n")
    prefix_suffix.make_prefix({"prefix": "p", "fieldSpecs": NAME_SPECS}, CTX).transform(rm)
    assert rm[0].name == "p7"


def test_missing_field_specs_is_an_error():
    with pytest.raises(KustomizationError, match="fieldSpecs is not expected to be nil"):
        prefix_suffix.make_prefix({"prefix": "p"}, CTX)


def test_map_at_a_name_spec_is_an_error_naming_the_object():
    rm = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: {a: b}}\n")
    t = prefix_suffix.make_suffix({"suffix": "s", "fieldSpecs": [{"path": "data/k"}]}, CTX)
    with pytest.raises(ResourceError, match="ConfigMap.v1.\\[noGrp\\]/c"):
        t.transform(rm)


def test_tracer_sees_each_renamed_field():
    seen = []
    ctx = PluginContext(loader=None, config=default_config(),
                        tracer=lambda res, path, value, origin: seen.append((res.kind, path, value)))
    rm = resmap()
    prefix_suffix.make_prefix({"prefix": "p-", "fieldSpecs": NAME_SPECS}, ctx).transform(rm)
    assert seen == [("ConfigMap", ("metadata/name",), "p-cm"), ("Deployment", ("metadata/name",), "p-web")]
