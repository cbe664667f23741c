"""go-yaml v2's natural key order."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from lamina.yaml import natural_key, natural_less, natural_sorted

ORDERED = ["", "_u", "1", "9", "09", "10", "A9", "A10", "B", "Z", "a", "a-b", "a.b", "a_1",
           "a1b", "a01b", "aa", "b", "k9", "k09", "k10", "é", "日"]

keys = st.text(alphabet=st.sampled_from("ab0129_-./Zé"), max_size=6)
# Go's comparison is only transitive while digit runs do not meet letters.
digit_free_keys = st.text(alphabet=st.sampled_from("abZé_-./"), max_size=6)


def test_documented_examples_in_order() -> None:
    shuffled = ORDERED[:]
    random.Random(7).shuffle(shuffled)
    assert list(natural_sorted(shuffled)) == ORDERED
    assert sorted(shuffled, key=natural_key) == ORDERED


def test_kubernetes_top_level_fields() -> None:
    fields = ["metadata", "kind", "data", "apiVersion", "immutable", "binaryData"]
    assert list(natural_sorted(fields)) == [
        "apiVersion", "binaryData", "data", "immutable", "kind", "metadata"]


@given(keys, keys)
def test_exactly_one_direction_holds_for_distinct_keys(a: str, b: str) -> None:
    if a == b:
        assert not natural_less(a, b)
    else:
        assert natural_less(a, b) != natural_less(b, a)


def test_go_comparison_has_cycles_where_digits_meet_letters() -> None:
    # A property of go-yaml v2's Less, kept faithfully: 2 < 10 < 1Z < 2.
    assert natural_less("2", "10") and natural_less("10", "1Z") and natural_less("1Z", "2")


@given(digit_free_keys, digit_free_keys, digit_free_keys)
def test_transitive_without_digits(a: str, b: str, c: str) -> None:
    if natural_less(a, b) and natural_less(b, c):
        assert natural_less(a, c)


@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=4), unique=True, max_size=8),
       st.lists(digit_free_keys, unique=True, max_size=8))
def test_transitive_for_digit_runs_then_words(numbers: list[str], words: list[str]) -> None:
    items = numbers + words
    for a in items:
        for b in items:
            for c in items:
                if natural_less(a, b) and natural_less(b, c):
                    assert natural_less(a, c), (a, b, c)


@given(st.lists(digit_free_keys, unique=True, max_size=12))
def test_sorted_output_is_ordered_and_independent_of_input_order(items: list[str]) -> None:
    out = list(natural_sorted(items))
    assert all(natural_less(x, y) for x, y in zip(out, out[1:]))
    assert list(natural_sorted(reversed(items))) == out
