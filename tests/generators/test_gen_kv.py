"""Parsing of literal, file and env-file sources."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.errors import KustomizationError
from lamina.generators.kv import (
    KvSources, Pair, load_pairs, parse_env_file, parse_file_source, parse_literal_source)


@pytest.mark.parametrize("source,expected", [
    ("a=b", ("a", "b")),
    ("a=b=c", ("a", "b=c")),
    ("a=", ("a", "")),
    ("a=\"q\"", ("a", "q")),
    ("a='q'", ("a", "q")),
    ("a='q\"", ("a", "'q\"")),
    ("a=\"", ("a", "\"")),
    ("a b=c d", ("a b", "c d")),
])
def test_literal_sources(source, expected):
    assert parse_literal_source(source) == expected


@pytest.mark.parametrize("source", ["novalue", "=value", ""])
def test_bad_literal_sources(source):
    with pytest.raises(KustomizationError, match="expected key=value"):
        parse_literal_source(source)


@given(st.text(alphabet=st.characters(blacklist_characters="="), min_size=1),
       st.text())
def test_literal_round_trip_without_quotes(key, value):
    quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
    k, v = parse_literal_source(f"{key}={value}")
    assert k == key
    assert v == (value[1:-1] if quoted else value)


@pytest.mark.parametrize("source,expected", [
    ("dir/file.txt", ("file.txt", "dir/file.txt")),
    ("dir/", ("dir", "dir/")),
    ("k=dir/file.txt", ("k", "dir/file.txt")),
])
def test_file_sources(source, expected):
    assert parse_file_source(source) == expected


@pytest.mark.parametrize("source,message", [
    ("=a.txt", 'missing key name for file path "a.txt" in source "=a.txt"'),
    ("k=", 'missing file path for key name "k" in source "k="'),
    ("k=a=b", "source \"k=a=b\" key name or file path contains '='"),
])
def test_bad_file_sources(source, message):
    with pytest.raises(KustomizationError) as info:
        parse_file_source(source)
    assert info.value.message == message


def test_env_file_rules():
    content = (b"\xef\xbb\xbfFIRST=1\r\n"
               b"  \tINDENTED = v \n"
               b"# comment\n"
               b"\n"
               b"=no-key\n"
               b"NOVALUE\n"
               b"\xef\xbb\xbfBOM2=x\n"
               b"\x1cSEP=y\n"
               b"Q=\"kept\"")
    assert parse_env_file(content) == [
        Pair("FIRST", "1"),
        Pair("INDENTED ", " v "),
        Pair("NOVALUE", ""),
        Pair("\ufeffBOM2", "x"),      # only the first line loses its byte-order mark
        Pair("\x1cSEP", "y"),         # Go does not count U+001C as white space
        Pair("Q", "\"kept\""),
    ]


def test_env_file_invalid_utf8_names_the_bytes():
    with pytest.raises(KustomizationError) as info:
        parse_env_file(b"a=1\n\xff=2\n")
    assert info.value.message.startswith("line [255 61 50] has invalid utf8 bytes")


def test_load_pairs_order_and_prefixes():
    files = {"e.env": b"E=1\n", "f.txt": b"\xff"}

    def read(path: str) -> bytes:
        if path not in files:
            raise KustomizationError(f"'{path}' must resolve to a file")
        return files[path]

    pairs = load_pairs(KvSources(literals=("L=2",), files=("f.txt",), envs=("e.env",)), read)
    assert [p.key for p in pairs] == ["E", "L", "f.txt"]
    assert pairs[2].value == b"\xff"
    with pytest.raises(KustomizationError) as info:
        load_pairs(KvSources(files=("a", "gone.txt")), read)
    assert info.value.message == (
        "loading KV pairs: file sources: [a gone.txt]: 'a' must resolve to a file")
    with pytest.raises(KustomizationError, match=r"^loading KV pairs: env source files: \[x\]"):
        load_pairs(KvSources(envs=("x",)), read)
    with pytest.raises(KustomizationError, match=r"^loading KV pairs: literal sources \[bad\]"):
        load_pairs(KvSources(literals=("bad",)), read)
