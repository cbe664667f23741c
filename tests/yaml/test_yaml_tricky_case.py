"""The conformance case `yaml-style-tricky` must come out byte for byte.

The case lives in the shared corpus beside the repository and is read from there (never
copied in). Kustomize also orders resources, which is not this module's job, so the
expected output is split into documents and matched by resource name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.yaml import dump, dump_all, load_all

CASE = (Path(__file__).resolve().parents[3] / "shared" / "conformance" / "kustomize" / "cases"
        / "yaml-style-tricky")
pytestmark = pytest.mark.skipif(not CASE.is_dir(), reason="shared conformance corpus not present")


def _expected_by_name() -> dict[str, str]:
    text = (CASE / "expected.yaml").read_text(encoding="utf-8")
    docs = text.split("---\n")
    return {load_all(doc, "expected.yaml")[0]["metadata"]["name"]: doc for doc in docs}


def _written_docs() -> list:
    path = CASE / "tree" / "tricky.yaml"
    return load_all(path.read_text(encoding="utf-8"), str(path))


def test_every_document_is_byte_identical() -> None:
    expected = _expected_by_name()
    docs = _written_docs()
    assert len(docs) == len(expected) == 20
    for doc in docs:
        assert dump(doc) == expected[doc["metadata"]["name"]], doc["metadata"]["name"]


def test_whole_stream_in_kustomize_order() -> None:
    # The expected stream is Deployment first, then the Tricky kind by name.
    docs = sorted(_written_docs(), key=lambda d: (d["kind"] != "Deployment", d["metadata"]["name"]))
    assert dump_all(docs) == (CASE / "expected.yaml").read_text(encoding="utf-8")


def test_reading_the_output_again_is_stable() -> None:
    # Kustomize's output is a fixed point: reading and writing it changes nothing.
    expected = (CASE / "expected.yaml").read_text(encoding="utf-8")
    assert dump_all(load_all(expected, "expected.yaml")) == expected
