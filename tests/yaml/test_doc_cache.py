"""The on-disk cache of large documents: same bytes warm and cold, safe when damaged."""

import os

import pytest

from lamina.yaml import doc_cache, dump, load_all_with_lines


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("LAMINA_NO_CACHE", raising=False)
    monkeypatch.setattr(doc_cache, "LARGE", 64)
    return tmp_path / "lamina" / "docs"


TEXT = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n"
        + "".join(f"  k{i}: 'value {i}'\n" for i in range(50))
        + "  yes: on\n  n: 012\n---\nkind: X\nmetadata: {name: y}\nspec: [1, 2.5, true, null]\n")


def entries(cache):
    return [p for p in cache.rglob("*") if p.is_file()]


def test_parse_and_print_are_the_same_warm(cache):
    cold = load_all_with_lines(TEXT, "f.yaml")
    cold_text = [dump(d) for d, _ in cold]
    assert len(entries(cache)) >= 2
    warm = load_all_with_lines(TEXT, "f.yaml")
    assert warm == cold
    assert [dump(d) for d, _ in warm] == cold_text


def test_changed_document_misses(cache):
    docs = load_all_with_lines(TEXT, "f.yaml")
    before = dump(docs[0][0])
    docs[0][0]["data"]["k1"] = 1
    after = dump(docs[0][0])
    assert after != before and "k1: 1\n" in after


def test_damaged_entry_is_recomputed(cache):
    cold = load_all_with_lines(TEXT, "f.yaml")
    for p in entries(cache):
        p.write_bytes(p.read_bytes()[:-3] + b"xyz")
    assert load_all_with_lines(TEXT, "f.yaml") == cold
    from lamina.yaml.writer import _dump
    assert dump(cold[0][0]) == _dump(cold[0][0])


def test_opt_out(cache, monkeypatch):
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    load_all_with_lines(TEXT, "f.yaml")
    assert not os.path.exists(cache)


def test_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(doc_cache, "LARGE", 64)
    docs = load_all_with_lines(TEXT, "f.yaml")
    assert dump(docs[0][0]).startswith("apiVersion: v1\n")
