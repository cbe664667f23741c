"""Laws of the reader and writer, over generated JSON-like data."""

from __future__ import annotations

from hypothesis import given, settings
from tests.yaml.yamltest_strategies import keys, resource_docs, values

from lamina.yaml import dump, dump_all, load, load_all


def _same(a, b) -> bool:
    """Equality where a float may come back as the integer Go's JSON encoder printed for
    it (`3.0` -> `3`, `2.295406088594253e16` -> `22954060885942530`)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b)
    return a == b


def _reads_back(data) -> bool:
    # libyaml (like go-yaml) treats U+2028/U+2029 and NEL as line breaks inside flow
    # scalars, so strings holding them are not stable through YAML; Kustomize has the
    # same flaw. Leave them out of the round-trip law.
    text = repr(data)
    return not any(ch in text for ch in ("\u2028", "\u2029", "\x85"))


@settings(max_examples=300)
@given(values)
def test_dump_then_load_gives_the_data_back(data) -> None:
    if not _reads_back(data):
        return
    doc = {"spec": data}
    assert _same(load(dump(doc), "r.yaml"), doc)


@settings(max_examples=100)
@given(values)
def test_output_is_a_fixed_point(data) -> None:
    # Kustomize's output fed to Kustomize again prints the same bytes.
    if not _reads_back(data):
        return
    once = dump({"spec": data})
    assert dump(load(once, "r.yaml")) == once


@settings(max_examples=50)
@given(resource_docs())
def test_streams_round_trip(doc) -> None:
    if not _reads_back(doc):
        return
    docs = [doc, {"kind": "Other", "metadata": {"name": "y"}}]
    assert all(_same(a, b) for a, b in zip(load_all(dump_all(docs), "r.yaml"), docs))


@given(keys)
def test_every_key_is_written_so_that_it_reads_back_as_the_same_string(key: str) -> None:
    if not _reads_back(key):
        return
    assert load(dump({"spec": {key: 1}}), "r.yaml") == {"spec": {key: 1}}
