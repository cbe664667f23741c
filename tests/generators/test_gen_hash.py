"""The content-hash suffix: Kustomize's encoding, its laws, and the HashTransformer."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lamina.errors import NotSupportedError
from lamina.generators.hash_suffix import (
    content_hash, encode_hex, go_json, make_hash_transformer)
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext

_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._", min_size=1, max_size=8)
_data = st.dictionaries(_keys, st.text(max_size=20), min_size=1, max_size=6)


def _cm(data, name="cm", **extra):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": data, **extra}


# Vectors from Kustomize's own api/hasher tests (a name is absent there, which is also
# what Kustomize's lookup of "metadata/name" yields for real objects).
@pytest.mark.parametrize("obj,expected", [
    ({"kind": "ConfigMap"}, "6ct58987ht"),
    ({"kind": "ConfigMap", "data": {"one": ""}}, "9g67k2htb6"),
    ({"kind": "ConfigMap", "data": {"two": 2, "one": "", "three": 3}}, "7757f9kkct"),
    ({"kind": "ConfigMap", "binaryData": {"one": ""}}, "6mtk2m274t"),
    ({"kind": "ConfigMap", "binaryData": {"two": 2, "one": "", "three": 3}}, "9th7kc28dg"),
    ({"kind": "ConfigMap", "data": {"one": ""}, "binaryData": {"two": ""}}, "698h7c7t9m"),
])
def test_kustomize_vectors(obj, expected):
    assert content_hash(obj) == expected


def test_encoding_is_the_documented_json():
    doc = '{"data":{"a":"b"},"kind":"ConfigMap","name":""}'
    assert content_hash(_cm({"a": "b"})) == encode_hex(hashlib.sha256(doc.encode()).hexdigest())
    sdoc = '{"data":{"a":"Yg=="},"kind":"Secret","name":"","type":"Opaque"}'
    secret = {"kind": "Secret", "type": "Opaque", "metadata": {"name": "s"},
              "data": {"a": "Yg=="}}
    assert content_hash(secret) == encode_hex(hashlib.sha256(sdoc.encode()).hexdigest())


def test_encode_hex_swaps_digits_that_could_spell():
    assert encode_hex("0123456789abcdef") == "gh2k456789"
    assert encode_hex("aebcdef0123") == "mtbcdtfgh2"


def test_go_json_escapes_like_go():
    assert go_json({"b": "<&>\u2028é\n", "a": [1, 1.0, 1e21, 1.5e-7, None, True]}) == (
        '{"a":[1,1,1e+21,1.5e-7,null,true],"b":"\\u003c\\u0026\\u003e\\u2028é\\n"}')


@given(_data)
def test_hash_ignores_key_order(data):
    reordered = dict(reversed(list(data.items())))
    assert content_hash(_cm(data)) == content_hash(_cm(reordered))


@given(_data, st.data())
def test_changing_any_value_changes_hash(data, draw):
    key = draw.draw(st.sampled_from(sorted(data)))
    new_value = draw.draw(st.text(max_size=20))
    assume(new_value != data[key])
    assert content_hash(_cm(data)) != content_hash(_cm({**data, key: new_value}))


@given(_data, _keys, _keys)
def test_renames_and_metadata_do_not_change_hash(data, name1, name2):
    other = _cm(data, name2)
    other["metadata"]["labels"] = {"x": "y"}
    assert content_hash(_cm(data, name1)) == content_hash(other)


def test_secret_type_and_string_data_count():
    base = {"kind": "Secret", "type": "Opaque", "data": {"a": "Yg=="}}
    assert content_hash(base) != content_hash({**base, "type": "kubernetes.io/tls"})
    assert content_hash(base) != content_hash({**base, "stringData": {}})
    assert content_hash(base) == content_hash({**base, "stringData": None})


def test_other_kinds_are_not_supported():
    with pytest.raises(NotSupportedError):
        content_hash({"kind": "Deployment", "metadata": {"name": "d"}})


def test_hash_transformer_renames_and_remembers():
    marked = Resource(_cm({"a": "b"}, "p-cm"))
    marked.needs_hash = True
    plain = Resource(_cm({"a": "b"}, "other"))
    resmap = ResMap([marked, plain])
    ctx = PluginContext(loader=None, config=None)
    make_hash_transformer({}, ctx).transform(resmap)
    assert marked.name == f"p-cm-{content_hash(marked.obj)}"
    assert [i.name for i in marked.previous_ids] == ["p-cm"]
    assert plain.name == "other" and plain.previous_ids == []


def test_a_list_where_a_map_belongs_hashes_as_null_but_counts():
    with_list = {"kind": "ConfigMap", "data": {"a": "1"}, "binaryData": []}
    doc = '{"binaryData":null,"data":{"a":"1"},"kind":"ConfigMap","name":""}'
    assert content_hash(with_list) == encode_hex(hashlib.sha256(doc.encode()).hexdigest())
