"""Layered values: precedence, null removal, list merge keys, origins, and merge laws."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.errors import SourceRef
from lamina.templates.errors import ValuesError
from lamina.templates.merge import deep_merge, merge_layers
from lamina.templates.values import ValuesLayer, layer_from_sets
from tests.templates.tpl_helpers import layer

KEYED = {"properties": {"ports": {"type": "array", "x-lamina-merge-key": "name"}}}


def test_layers_override_in_order_and_remember_origins(tmp_path):
    base = layer(tmp_path, "base/values.yaml", "image:\n  repo: nginx\n  tag: '1.0'\nreplicas: 1\n")
    prod = layer(tmp_path, "prod/values.yaml", "image:\n  tag: '2.0'\n")
    cli = layer(tmp_path, "extra.yaml", "replicas: 3\n")
    sets = layer_from_sets(["image.tag=3.0"], [])
    merged = merge_layers([base, prod, cli, sets])
    assert merged.data == {"image": {"repo": "nginx", "tag": 3.0}, "replicas": 3}
    assert merged.origin("image.repo") == SourceRef(str(tmp_path / "base/values.yaml"), 2, 3)
    assert merged.origin(("replicas",)) == SourceRef(str(tmp_path / "extra.yaml"), 1, 1)
    assert merged.origin("image.tag") == SourceRef("--set")
    assert merged.sources == (base.path, prod.path, cli.path, "--set")


def test_without_sets_the_overlay_value_wins(tmp_path):
    base = layer(tmp_path, "base.yaml", "image:\n  tag: '1.0'\n")
    prod = layer(tmp_path, "prod.yaml", "image:\n  tag: '2.0'\n")
    merged = merge_layers([base, prod])
    assert merged.data["image"]["tag"] == "2.0"
    assert merged.origin("image.tag").path == prod.path


def test_origin_of_an_unset_path_is_a_key_error(tmp_path):
    merged = merge_layers([layer(tmp_path, "v.yaml", "a: 1\n")])
    with pytest.raises(KeyError):
        merged.origin("b")


def test_null_removes_a_key_from_lower_layers(tmp_path):
    base = layer(tmp_path, "base.yaml", "resources:\n  limits: {cpu: 1}\n  requests: {cpu: 1}\n")
    prod = layer(tmp_path, "prod.yaml", "resources:\n  limits: null\n")
    assert merge_layers([base, prod]).data == {"resources": {"requests": {"cpu": 1}}}


def test_null_in_the_lowest_layer_leaves_no_key(tmp_path):
    merged = merge_layers([layer(tmp_path, "v.yaml", "a: ~\nb:\n  c: null\n  d: 1\n")])
    assert merged.data == {"b": {"d": 1}}


def test_set_null_removes_a_key(tmp_path):
    base = layer(tmp_path, "v.yaml", "a: 1\nb: 2\n")
    assert merge_layers([base, layer_from_sets(["a=null"], [])]).data == {"b": 2}


def test_lists_replace_without_a_merge_key(tmp_path):
    base = layer(tmp_path, "base.yaml", "ports:\n- {name: http, port: 80}\n- {name: https, port: 443}\n")
    prod = layer(tmp_path, "prod.yaml", "ports:\n- {name: https, port: 8443}\n")
    assert merge_layers([base, prod]).data == {"ports": [{"name": "https", "port": 8443}]}


def test_lists_merge_by_the_schema_merge_key(tmp_path):
    base = layer(tmp_path, "base.yaml", "ports:\n- {name: http, port: 80}\n- {name: https, port: 443, tls: true}\n")
    prod = layer(tmp_path, "prod.yaml", "ports:\n- name: https\n  port: 8443\n  tls: null\n- {name: grpc, port: 9090}\n")
    merged = merge_layers([base, prod], KEYED)
    assert merged.data == {"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 8443},
                                     {"name": "grpc", "port": 9090}]}
    assert merged.origin("ports[1].port") == SourceRef(prod.path, 3, 3)
    assert merged.origin("ports[0].port").path == base.path
    assert merged.origin("ports[2].name").path == prod.path


def test_merge_key_found_through_refs_and_items(tmp_path):
    schema = {
        "$defs": {"byName": {"type": "array", "x-lamina-merge-key": "name"}},
        "properties": {"pods": {"type": "array", "x-lamina-merge-key": "name",
                                "items": {"properties": {"containers": {"$ref": "#/$defs/byName"}}}}},
    }
    base = layer(tmp_path, "base.yaml", "pods:\n- name: p\n  containers: [{name: a, image: x}]\n")
    prod = layer(tmp_path, "prod.yaml", "pods:\n- name: p\n  containers: [{name: b, image: y}]\n")
    merged = merge_layers([base, prod], schema)
    assert merged.data == {"pods": [{"name": "p", "containers": [{"name": "a", "image": "x"},
                                                                 {"name": "b", "image": "y"}]}]}


def test_set_index_edits_an_existing_list(tmp_path):
    base = layer(tmp_path, "v.yaml", "args: [a, b, c]\nenv:\n- {name: A, value: '1'}\n")
    sets = layer_from_sets(["args[1]=B", "args[3]=d", "env[0].value=2"], [])
    merged = merge_layers([base, sets])
    assert merged.data == {"args": ["a", "B", "c", "d"], "env": [{"name": "A", "value": 2}]}
    assert merged.origin("args[0]").path == base.path
    assert merged.origin("args[1]") == SourceRef("--set")


def test_set_index_past_the_end_is_refused(tmp_path):
    base = layer(tmp_path, "v.yaml", "args: [a]\n")
    with pytest.raises(ValuesError) as err:
        merge_layers([base, layer_from_sets(["args[5]=x"], [])])
    assert "args[5]" in err.value.message and "1 item" in err.value.message


def test_set_below_a_scalar_replaces_it(tmp_path):
    base = layer(tmp_path, "v.yaml", "image: nginx\n")
    assert merge_layers([base, layer_from_sets(["image.tag=1"], [])]).data == {"image": {"tag": 1}}


def test_set_map_merges_into_a_map(tmp_path):
    base = layer(tmp_path, "v.yaml", "labels: {a: '1', b: '2'}\n")
    merged = merge_layers([base, layer_from_sets(["labels={b: x, c: y}"], [])])
    assert merged.data == {"labels": {"a": "1", "b": "x", "c": "y"}}


# --- laws -----------------------------------------------------------------------------------

_keys = st.sampled_from(["a", "b", "c", "d"])
_scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text("xyz", max_size=2))


def _trees(nulls: bool):
    leaves = st.one_of(_scalars, st.none()) if nulls else _scalars
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(_keys, inner, max_size=3)), max_leaves=12)


def _maps(nulls: bool = False):
    return st.dictionaries(_keys, _trees(nulls), max_size=4)


def _layer(name: str, data: dict) -> ValuesLayer:
    return ValuesLayer(path=name, data=data)


@given(_maps(nulls=True))
def test_merging_an_empty_layer_is_identity(data):
    alone = merge_layers([_layer("a.yaml", data)])
    for layers in ([_layer("a.yaml", data), _layer("e.yaml", {})], [_layer("e.yaml", {}), _layer("a.yaml", data)]):
        merged = merge_layers(layers)
        assert merged.data == alone.data
        assert {p: r for p, r in merged.origins.items() if p} == {p: r for p, r in alone.origins.items() if p}


# Associativity holds when every layer gives a key the same kind (map, list or scalar):
# a layer that turns a map into a scalar erases what was below, and then grouping matters.
def _typed_maps_of_depth(depth: int):
    kinds = {"s": _scalars, "t": _scalars, "l": st.lists(_scalars, max_size=3)}
    if depth > 0:
        kinds |= {"m": _typed_maps_of_depth(depth - 1), "n": _typed_maps_of_depth(depth - 1)}
    return st.sets(st.sampled_from(sorted(kinds)), max_size=len(kinds)).flatmap(
        lambda keys: st.fixed_dictionaries({k: kinds[k] for k in keys}))


_typed_maps = _typed_maps_of_depth(3)


@given(_typed_maps, _typed_maps, _typed_maps)
def test_merge_is_associative_for_maps_without_nulls(a, b, c):
    assert deep_merge(deep_merge(a, b), c) == deep_merge(a, deep_merge(b, c))
    layered = merge_layers([_layer("a", a), _layer("b", b), _layer("c", c)]).data
    assert layered == deep_merge(deep_merge(a, b), c)


def test_changing_a_keys_kind_replaces_what_was_below():
    assert deep_merge(deep_merge({"b": {"a": 0}}, {"b": 0}), {"b": {}}) == {"b": {}}
    assert deep_merge({"b": {"a": 0}}, deep_merge({"b": 0}, {"b": {}})) == {"b": {"a": 0}}


def _leaves(data, at=()):
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _leaves(value, at + (key,))
    elif isinstance(data, list) and data:
        yield at, data  # lists are replaced whole: the list is the leaf
    else:
        yield at, data


@given(_maps(), _maps())
def test_every_leaf_of_the_upper_layer_wins_with_its_origin(lower, upper):
    merged = merge_layers([_layer("lower.yaml", lower), _layer("upper.yaml", upper)])
    for path, value in _leaves(upper):
        if not path:
            continue
        node = merged.data
        for part in path:
            node = node[part]
        if value != {}:
            assert node == value
            assert merged.origin(path).path == "upper.yaml"


@given(_maps(), st.sampled_from(["a", "b", "c", "d"]))
def test_null_removes_exactly_that_key(data, key):
    merged = deep_merge(data, {key: None})
    assert key not in merged
    assert {k: v for k, v in merged.items()} == {k: deep_merge({}, v) if isinstance(v, dict) else v
                                               for k, v in data.items() if k != key}


def test_set_selects_list_items_by_key(tmp_path):
    base = layer(tmp_path, "v.yaml", "containers:\n- {name: web, image: a}\n- {name: side, image: b}\nports:\n- {port: 80, tls: false}\n")
    sets = layer_from_sets(["containers[name=side].image=c", "containers[name=new].image=d", "ports[port=80].tls=true"], [])
    merged = merge_layers([base, sets])
    assert merged.data == {
        "containers": [{"name": "web", "image": "a"}, {"name": "side", "image": "c"}, {"name": "new", "image": "d"}],
        "ports": [{"port": 80, "tls": True}],
    }
    assert merged.origin("containers[0].image").path == base.path
    assert merged.origin("containers[1].image") == SourceRef("--set")


def test_set_null_removes_list_items(tmp_path):
    base = layer(tmp_path, "v.yaml", "containers:\n- {name: web}\n- {name: side}\nargs: [a, b, c]\n")
    sets = layer_from_sets(["containers[name=side]=null", "args[0]=null", "containers[name=absent]=null"], [])
    assert merge_layers([base, sets]).data == {"containers": [{"name": "web"}], "args": ["b", "c"]}


def test_merge_keys_come_from_any_layers_schema(tmp_path):
    base = layer(tmp_path, "base.yaml", "ports:\n- {name: http, port: 80}\n")
    prod = layer(tmp_path, "prod.yaml", "ports:\n- {name: grpc, port: 9}\n")
    schemas = [{"properties": {"other": {"type": "string"}}}, KEYED]
    assert merge_layers([base, prod], schemas).data == {"ports": [{"name": "http", "port": 80}, {"name": "grpc", "port": 9}]}


def test_set_with_selectors_under_pattern_properties(tmp_path):
    schema = {"patternProperties": {"^svc-": {"properties": {"ports": KEYED["properties"]["ports"]}}}}
    base = layer(tmp_path, "v.yaml", "svc-a:\n  ports:\n  - {name: http, port: 80}\n")
    sets = layer_from_sets(["svc-a.ports[name=http]={port: 8080}"], [])
    assert merge_layers([base, sets], schema).data == {"svc-a": {"ports": [{"name": "http", "port": 8080}]}}
