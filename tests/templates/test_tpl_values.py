"""Reading values files and --set arguments."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from lamina.errors import SourceRef
from lamina.templates.errors import ValuesError
from lamina.templates.paths import format_path, parse_path
from lamina.templates.values import MAX_NODES, SafeDumper, layer_from_sets

from tests.templates.tpl_helpers import layer


def test_positions_point_at_each_key(tmp_path):
    got = layer(tmp_path, "values.yaml", "image:\n  repo: nginx\n  tag: '1.0'\nports:\n- 80\n- 443\n")
    assert got.data == {"image": {"repo": "nginx", "tag": "1.0"}, "ports": [80, 443]}
    path = str(tmp_path / "values.yaml")
    assert got.positions[("image", "tag")] == SourceRef(path, 3, 3)
    assert got.positions[("ports", 1)] == SourceRef(path, 6, 3)


def test_empty_file_is_an_empty_layer(tmp_path):
    assert layer(tmp_path, "v.yaml", "# nothing\n").data == {}


def test_duplicate_key_is_refused_with_both_lines(tmp_path):
    with pytest.raises(ValuesError) as err:
        layer(tmp_path, "v.yaml", "a:\n  b: 1\n  b: 2\n")
    assert err.value.source == SourceRef(str(tmp_path / "v.yaml"), 3, 3)
    assert "duplicate key a.b" in err.value.message and "line 2" in err.value.message


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(ValuesError) as err:
        layer(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    assert str(MAX_NODES) in err.value.message


def test_aliases_and_merge_keys_expand(tmp_path):
    got = layer(tmp_path, "v.yaml", "base: &b {a: 1, b: 2}\nover:\n  <<: *b\n  b: 3\n")
    assert got.data["over"] == {"a": 1, "b": 3}


def test_timestamps_stay_text_and_keys_are_their_source_text(tmp_path):
    got = layer(tmp_path, "v.yaml", "date: 2024-01-31\non: 1\n2: two\n")
    assert got.data == {"date": "2024-01-31", "on": 1, "2": "two"}


@pytest.mark.parametrize("text, line", [("- a\n- b\n", 1), ("a: [1,\nb: 2\n", 3), ("a: !!binary aGk=\n", 1)])
def test_unreadable_files_name_the_line(tmp_path, text, line):
    with pytest.raises(ValuesError) as err:
        layer(tmp_path, "v.yaml", text)
    assert err.value.source.path == str(tmp_path / "v.yaml")
    assert err.value.source.line == line


@pytest.mark.parametrize(
    "arg, expected",
    [("a.b=1", 1), ("a.b=1.5", 1.5), ("a.b=true", True), ("a.b=web", "web"), ("a.b=", ""),
     ("a.b=#fff", "#fff"), ("a.b='1'", "1"), ("a.b=[1, x]", [1, "x"]), ("a.b={c: d}", {"c": "d"}),
     ("a.b=x=y", "x=y"), ("a.b=1,c=2", "1,c=2")],
)
def test_set_values_are_typed_as_yaml(arg, expected):
    got = layer_from_sets([arg], [])
    assert got.data == {"a": {"b": expected}}
    assert type(got.data["a"]["b"]) is type(expected)
    assert got.path == "--set"


def test_set_string_keeps_text():
    got = layer_from_sets([], ["a.b=1", "c=true"])
    assert got.data == {"a": {"b": "1"}, "c": "true"}


def test_set_string_wins_over_set():
    assert layer_from_sets(["a=1"], ["a=1"]).data == {"a": "1"}


def test_set_paths_with_indices_and_escaped_dots():
    got = layer_from_sets(["list[0].name=a", "list[1].name=b", r"ann.example\.com/team=x"], [])
    assert got.data == {"list": [{"name": "a"}, {"name": "b"}], "ann": {"example.com/team": "x"}}


@pytest.mark.parametrize("arg", ["novalue", "=1", "a..b=1", "a[x]=1", "[0]=1", "a.=1"])
def test_bad_set_arguments_are_refused(arg):
    with pytest.raises(ValuesError) as err:
        layer_from_sets([arg], [])
    assert err.value.source == SourceRef("--set")


@pytest.mark.parametrize("path", [(), ("a",), ("a", "b", 0, "c"), ("x.y", 3), ("k[0]", "v\\w")])
def test_format_and_parse_paths_round_trip(path):
    assert parse_path(format_path(path)) == path


@pytest.mark.parametrize("depth", [300, 900, 5000])
def test_absurd_nesting_is_refused(tmp_path, depth):
    with pytest.raises(ValuesError) as err:
        layer(tmp_path, "deep.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    assert "nest" in err.value.message and err.value.source.line == 1


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_data = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _text, st.floats(allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=15,
)


@example({"": "0E0"})      # PyYAML's own dumper leaves it bare; values read 0E0 as a float (YAML 1.2)
@given(st.dictionaries(_text, _data, max_size=4))
def test_a_dumped_mapping_loads_back_with_a_position_for_every_path(tmp_path_factory, data):
    # Dumped as lamina dumps values (`toyaml`, --show-origin): strings that these values files
    # read as numbers are quoted. PyYAML's YAML 1.1 dumper would leave `0E0` or `1e3` bare.
    text = yaml.dump(data, Dumper=SafeDumper, allow_unicode=True, sort_keys=False)
    got = layer(tmp_path_factory.mktemp("v"), "v.yaml", text)
    assert got.data == data

    def paths(node, at=()):
        yield at
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield from paths(value, at + (key,))

    for path in paths(data):
        assert got.positions[path].line is not None


def test_selector_paths_parse_and_keep_equals_signs_inside_brackets():
    from lamina.templates.paths import KeySelector

    assert parse_path("c[name=web].image") == ("c", KeySelector("name", "web"), "image")
    assert format_path(("c", KeySelector("name", "web"), "image")) == "c[name=web].image"
    assert layer_from_sets(["c[name=web].image=x=1"], []).data == {"c": [{"name": "web", "image": "x=1"}]}


@pytest.mark.parametrize("text, expected", [
    ("12:30", "12:30"), ("22:22", "22:22"), ("1:30.5", "1:30.5"),   # no YAML 1.1 base 60
    ("1e3", 1000.0), ("1.5e3", 1500.0), ("-2E-2", -0.02), (".5", 0.5), ("0o17", 15),
    ("010", 8), ("0x1F", 31), ("1_000", 1000), ("yes", True), ("1.10", 1.1),
])
def test_numbers_are_typed_as_go_yaml_and_yaml_12_agree(tmp_path, text, expected):
    assert layer(tmp_path, "v.yaml", f"x: {text}\n").data == {"x": expected}
    assert layer_from_sets([f"x={text}"], []).assignments[0].value == expected


def test_invalid_yaml_in_a_set_value_is_a_one_line_error():
    with pytest.raises(ValuesError) as err:
        layer_from_sets(["a={b: ["], [])
    assert "\n" not in str(err.value) and "a={b: [" in str(err.value)
