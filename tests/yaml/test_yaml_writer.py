"""Writer details that the rules table does not cover: streams, types, refusals."""

from __future__ import annotations

import math

import pytest

from lamina.errors import YamlError
from lamina.yaml import dump, dump_all, load


def test_stream_has_separators_but_no_leading_marker() -> None:
    assert dump_all([{"a": 1}, {"b": [1]}, {}]) == "a: 1\n---\nb:\n- 1\n---\n{}\n"
    assert dump_all([]) == ""


def test_sequences_are_not_indented_under_their_key() -> None:
    assert dump({"k": [{"b": 1, "a": [[1], []]}]}) == "k:\n- a:\n  - - 1\n  - []\n  b: 1\n"


def test_keys_written_by_code_that_are_not_strings_are_spelled_like_json() -> None:
    assert dump({2: "a", True: "b", None: "c", 1.5: "d"}) == (
        '"1.5": d\n"2": a\n"null": c\n"true": b\n')


def test_tuples_are_sequences() -> None:
    assert dump({"t": (1, "x")}) == "t:\n- 1\n- x\n"


def test_long_keys_become_explicit_keys() -> None:
    key = "k" * 130
    out = dump({key: "v"})
    assert out == f"? {key}\n: v\n"
    assert load(out, "r.yaml") == {key: "v"}


def test_nel_folds_like_go_yaml_reading_json() -> None:
    assert dump({"a": "x\x85y", "b": "x \x85 y", "c": "x\x85\x85y"}) == (
        "a: x y\nb: x y\nc: |-\n  x\n  y\n")


def test_string_starting_with_bom_is_fully_escaped() -> None:
    assert dump({"a": "\ufeffé x"}) == 'a: "\\uFEFF\\xE9\\x20\\x78"\n'
    assert dump({"a": "x\ufeffy"}) == 'a: "x\\uFEFFy"\n'


@pytest.mark.parametrize("text", ["a\x7f", "a\x90", "a\ufffe", "a\ud800"])
def test_characters_kustomize_cannot_write_are_refused(text: str) -> None:
    with pytest.raises(YamlError, match="cannot write"):
        dump({"a": text})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(value: float) -> None:
    with pytest.raises(YamlError, match="unsupported value"):
        dump({"a": value})


def test_unknown_types_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        dump({"a": object()})


def test_shared_objects_are_written_twice_not_as_anchors() -> None:
    shared = {"x": 1}
    assert dump({"a": shared, "b": shared}) == "a:\n  x: 1\nb:\n  x: 1\n"


def test_deep_nesting_is_written() -> None:
    doc: list = []
    for _ in range(900):
        doc = [doc]
    out = dump({"a": doc})
    assert out.startswith("a:\n- - - ") and load(out, "r.yaml") == {"a": doc}


def test_bom_strings_survive_the_deep_retry() -> None:
    doc: list = ["\ufeffa"]
    for _ in range(900):
        doc = [doc]
    assert '"\\uFEFF\\x61"' in dump({"a": doc, "b": "\ufeffb"})


# Measured with kubectl kustomize (v5.8.1): a BOM-led key takes as many columns as its
# fully escaped spelling, so the value after it folds there; a line break in it, or more
# than 128 bytes, makes it a complex key (`? `).
_WORDS = " ".join(["word"] * 14)


@pytest.mark.parametrize("key, value, expected", [
    ("\ufeff", _WORDS,
     '  "\\uFEFF": word word word word word word word word word word word word word word\n'),
    ("\ufeff\U0001F600", _WORDS,
     '  "\\uFEFF\\U0001F600": word word word word word word word word word word word word\n'
     "    word word\n"),
    ("\ufeff\xe9\u65e5\u0101\xa0x", _WORDS,
     '  "\\uFEFF\\xE9\\u65E5\\u0101\\_\\x78": word word word word word word word word word word\n'
     "    word word word word\n"),
    ("\ufeff\u2028b", "word", '  ? "\\uFEFF\\L\\x62"\n  : word\n'),
    ("\ufeff" + "x" * 130, "y", '  ? "\\uFEFF' + "\\x78" * 130 + '"\n  : "y"\n'),
])
def test_bom_led_keys_take_their_escaped_width(key: str, value: str, expected: str) -> None:
    assert dump({"data": {key: value}}) == "data:\n" + expected


def test_bom_stand_in_text_found_elsewhere_still_gives_the_right_text() -> None:
    # A plain value holding the very text libyaml prints for the key's stand-in.
    out = dump({"a": 'x "\\uFEFF" y', "b": {"\ufeff": "v"}})
    assert out == 'a: x "\\uFEFF" y\nb:\n  "\\uFEFF": v\n'
