"""lamina values --show-origin: merged values as YAML with the file:line of every leaf."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lamina.templates.merge import MergedValues, merge_layers
from lamina.templates.provenance import format_values
from lamina.templates.schema import validate_values
from lamina.templates.values import layer_from_sets
from tests.templates.tpl_helpers import layer, load


def test_each_leaf_shows_the_layer_that_set_it(tmp_path):
    base = layer(tmp_path, "base.yaml", "image:\n  repo: nginx\n  tag: '1.0'\nports: [80]\n")
    prod = layer(tmp_path, "prod.yaml", "image:\n  tag: '2.0'\n")
    merged = validate_values(merge_layers([base, prod, layer_from_sets(["replicas=3"], [])]),
                             {"properties": {"debug": {"type": "boolean", "default": False}}}, "schema.json")
    text = format_values(merged, show_origin=True)
    lines = text.splitlines()
    assert f"  repo: nginx  # {base.path}:2:3" in lines
    assert f"  tag: '2.0'  # {prod.path}:2:3" in lines
    assert f"  - 80  # {base.path}:4:9" in lines
    assert "replicas: 3  # --set" in lines
    assert "debug: false  # schema.json" in lines
    assert load(text) == merged.data


def test_without_origins_it_is_plain_yaml(tmp_path):
    merged = merge_layers([layer(tmp_path, "v.yaml", "b: 1\na: {c: [x, {d: e}]}\n")])
    text = format_values(merged)
    assert "#" not in text and load(text) == {"b": 1, "a": {"c": ["x", {"d": "e"}]}}
    assert text.index("b:") < text.index("a:")  # merge order, not sorted


def test_empty_values():
    assert format_values(MergedValues(data={}), show_origin=True) == "{}\n"


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_data = st.recursive(
    st.one_of(st.booleans(), st.integers(), _text, st.floats(allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=15,
)


@given(st.dictionaries(_text, _data, max_size=4))
def test_show_origin_output_reads_back_as_the_values(data):
    from lamina.templates.merge import track, untrack
    from lamina.errors import SourceRef

    origins: dict = {}
    untrack(track(data, {}, (), SourceRef("v.yaml", 7)), (), origins)
    merged = MergedValues(data=data, origins=origins)
    assert load(format_values(merged, show_origin=True)) == data
    assert load(format_values(merged)) == data
