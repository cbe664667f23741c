"""Reading with kyaml's rules: values, document splitting, and what is refused."""

from __future__ import annotations

import pytest

from lamina.errors import YamlError
from lamina.yaml import load, load_all, load_all_with_lines


def test_scalar_meanings_follow_go_yaml_v3() -> None:
    doc = load(
        "a: yes\nb: on\nc: True\nd: FALSE\ne: 0777\nf: 0x1F\ng: 1_000\nh: 1:20\n"
        "i: 08\nj: ~\nk:\nl: '1'\nm: 2001-12-14\nn: 2001-13-45\no: 1e3\np: 12345678901234567890\n",
        "r.yaml",
    )
    assert doc == {
        "a": "yes", "b": "on", "c": True, "d": False, "e": 511, "f": 31, "g": 1000,
        "h": "1:20", "i": 8.0, "j": None, "k": None, "l": "1",
        "m": "2001-12-14T00:00:00Z", "n": "2001-13-45", "o": 1000.0,
        "p": 12345678901234567890,
    }
    assert type(doc["c"]) is bool and type(doc["e"]) is int and type(doc["i"]) is float


def test_keys_are_their_raw_text() -> None:
    assert load("1: a\ntrue: b\n'x': c\n0x10: d\n", "r.yaml") == {
        "1": "a", "true": "b", "x": "c", "0x10": "d"}


def test_quoted_and_tagged_scalars() -> None:
    doc = load('a: "0777"\nb: !!str 12\nc: !!int "12"\nd: !custom text\ne: !!float 3\n', "r.yaml")
    assert doc == {"a": "0777", "b": "12", "c": 12, "d": "text", "e": 3.0}
    with pytest.raises(YamlError, match="!!int"):
        load("a: !!int abc\n", "r.yaml")


def test_duplicate_key_names_both_lines() -> None:
    text = "apiVersion: v1\nmetadata:\n  name: a\n  labels: {}\n  name: b\n"
    with pytest.raises(YamlError) as err:
        load_all(text, "dir/r.yaml")
    assert 'mapping key "name" already defined at line 3' in str(err.value)
    assert err.value.source.path == "dir/r.yaml"
    assert err.value.source.line == 5


def test_plain_and_quoted_spellings_of_a_key_collide() -> None:
    with pytest.raises(YamlError, match="already defined"):
        load('1: a\n"1": b\n', "r.yaml")


def test_anchors_aliases_and_merges_are_expanded_into_independent_copies() -> None:
    doc = load(
        "base: &b {cpu: 1, mem: 2}\nover:\n  <<: *b\n  mem: 3\n"
        "many:\n  <<: [{a: 1, b: 1}, {b: 2, c: 2}]\nl: &l [1]\nm: *l\n",
        "r.yaml",
    )
    assert doc["over"] == {"cpu": 1, "mem": 3}
    assert doc["many"] == {"a": 1, "b": 1, "c": 2}
    doc["l"].append(2)
    assert doc["m"] == [1], "an alias must not share state with its anchor"


def test_quoted_merge_key_is_dropped_like_kyaml_does() -> None:
    assert load('a:\n  "<<": x\n  b: 1\n', "r.yaml") == {"a": {"b": 1}}


@pytest.mark.parametrize(
    "text",
    ["x:\n  <<: q\n", "a: &a [1]\nx:\n  <<: *a\n", "a: &a {p: 1}\nx:\n  <<: [[*a]]\n"],
)
def test_bad_merges_are_refused(text: str) -> None:
    with pytest.raises(YamlError, match="merge"):
        load(text, "r.yaml")


@pytest.mark.parametrize("value", [".inf", "-.Inf", ".nan", "+.INF"])
def test_infinite_and_nan_values_are_refused(value: str) -> None:
    with pytest.raises(YamlError, match="quote it"):
        load(f"a:\n  b: {value}\n", "r.yaml")


@pytest.mark.parametrize("key", ["1", "true", "~", "1.5", "2001-12-14", "0x1F"])
def test_nested_keys_must_resolve_to_strings(key: str) -> None:
    with pytest.raises(YamlError, match="not a string"):
        load(f"spec:\n  {key}: a\n", "r.yaml")
    assert load(f"spec:\n  '{key}': a\n", "r.yaml") == {"spec": {key: "a"}}


@pytest.mark.parametrize("key", ["~", "null", "NULL"])
def test_top_level_null_key_is_refused_unless_quoted(key: str) -> None:
    with pytest.raises(YamlError):
        load(f"{key}: a\n", "r.yaml")
    assert load(f"'{key}': a\n1: b\n", "r.yaml") == {key: "a", "1": "b"}


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    with pytest.raises(YamlError, match="alias"):
        load("\n".join(lines) + "\n", "bomb.yaml")


def test_moderate_alias_use_is_allowed() -> None:
    text = "base: &b {a: 1, b: 2}\n" + "".join(f"k{i}: *b\n" for i in range(200))
    assert len(load(text, "r.yaml")) == 201


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlError, match="recursive"):
        load("a: &x [1, *x]\n", "r.yaml")


def test_empty_comment_only_and_null_documents_are_skipped() -> None:
    text = "\n---\n# just a comment\n---\nnull\n---\na: 1\n---\n~\n---\n"
    assert load_all(text, "r.yaml") == [{"a": 1}]


def test_documents_and_their_start_lines() -> None:
    text = "# head\na: 1\n---\n\nb: 2\n--- # trailing comment\nc:\n  d: 3\n"
    assert load_all_with_lines(text, "r.yaml") == [({"a": 1}, 2), ({"b": 2}, 5), ({"c": {"d": 3}}, 7)]


def test_error_lines_count_across_documents() -> None:
    text = "a: 1\n---\nb: 2\n---\nc: 3\nc: 4\n"
    with pytest.raises(YamlError) as err:
        load_all(text, "r.yaml")
    assert err.value.source.line == 6


def test_separator_with_content_is_refused() -> None:
    with pytest.raises(YamlError, match="invalid document separator"):
        load_all("a: 1\n--- b: 2\n", "r.yaml")


def test_separator_inside_block_scalar_still_splits() -> None:
    # kyaml splits on any line starting with ---, before parsing YAML.
    assert load_all("a: |\n  x\n---\n  y\n", "r.yaml") == [{"a": "x\n"}, "y"]


def test_crlf_is_read_as_lf() -> None:
    assert load("a: |\r\n  x\r\n  y\r\nb: 1\r\n", "r.yaml") == {"a": "x\ny\n", "b": 1}


def test_syntax_error_carries_file_line_and_column() -> None:
    with pytest.raises(YamlError) as err:
        load_all("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml")
    assert err.value.source.path == "bad.yaml"
    assert err.value.source.line is not None and err.value.source.line >= 2
    assert str(err.value).startswith("bad.yaml:")


def test_python_tags_are_inert_data() -> None:
    # Only the node's shape matters; no tag can construct a Python object.
    assert load("a: !!python/object/apply:os.system ['true']\n", "r.yaml") == {"a": ["true"]}


def test_deep_nesting_up_to_libyamls_limit_is_read() -> None:
    depth = 900
    doc = load("a: " + "[" * depth + "]" * depth + "\n", "r.yaml")
    for _ in range(depth - 1):
        (doc,) = doc["a"] if isinstance(doc, dict) else doc
    assert doc == []


def test_slash_escape_is_refused_like_go_yaml_v3() -> None:
    with pytest.raises(YamlError, match="escape"):
        load('a: "x\\/y"\n', "r.yaml")
    # Outside double quotes a backslash is just a character.
    assert load("a: 'x\\/'\nb: x\\/y\nc: \"\\\\/\"\n", "r.yaml") == {"a": "x\\/", "b": "x\\/y", "c": "\\/"}


def test_invalid_binary_is_refused() -> None:
    with pytest.raises(YamlError, match="base64"):
        load("a: !!binary '!!!'\n", "r.yaml")


def test_a_redefined_anchor_applies_from_there_on() -> None:
    text = "a: &x 1\nb: *x\nc: &x {k: [2]}\nd: *x\n"
    assert load(text, "r.yaml") == {"a": 1, "b": 1, "c": {"k": [2]}, "d": {"k": [2]}}
    with pytest.raises(YamlError, match="undefined alias"):
        load("a: &x 1\nb: &x 2\nc: *q\n", "r.yaml")


@pytest.mark.parametrize("text", ["a: [x?y]\n", "a: {k: http://x/?q=1}\n", "a: {k?: v}\n", "a: [b ?c]\n"])
def test_question_mark_inside_flow_plain_scalar_is_refused_like_go_yaml(text: str) -> None:
    with pytest.raises(YamlError, match="quote the value"):
        load(text, "r.yaml")


def test_question_marks_elsewhere_are_fine() -> None:
    assert load("a: x?y\nb: ['x?y']\nc: [?k]\nd:\n- u?v\n", "r.yaml") == {
        "a": "x?y", "b": ["x?y"], "c": [{"k": ""}], "d": ["u?v"]}
