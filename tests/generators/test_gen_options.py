"""generatorOptions merging (Kustomize's MergeGlobalOptionsIntoLocal) and type checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.errors import KustomizationError
from lamina.generators.options import GeneratorOptions, merge_generator_options

_maps = st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.text(max_size=3),
                                             max_size=4))
_opts = st.one_of(st.none(), st.fixed_dictionaries({}, optional={
    "labels": _maps, "annotations": _maps,
    "disableNameSuffixHash": st.booleans(), "immutable": st.booleans()}))


def test_no_global_keeps_local():
    assert merge_generator_options(None, None) is None
    assert merge_generator_options({"labels": {"a": "1"}}, None) == {"labels": {"a": "1"}}


def test_global_fills_gaps_and_local_wins():
    merged = merge_generator_options(
        {"labels": {"a": "local"}, "disableNameSuffixHash": False},
        {"labels": {"a": "global", "b": "g"}, "annotations": {"n": "x"},
         "disableNameSuffixHash": True})
    assert merged == {"labels": {"a": "local", "b": "g"}, "annotations": {"n": "x"},
                      "disableNameSuffixHash": True}


def test_inputs_are_not_changed():
    local = {"labels": {"a": "1"}}
    global_ = {"labels": {"b": "2"}}
    merge_generator_options(local, global_)
    assert local == {"labels": {"a": "1"}} and global_ == {"labels": {"b": "2"}}


@given(_opts, _opts)
def test_merge_laws(local, global_):
    merged = merge_generator_options(local, global_)
    if global_ is None:
        assert merged == local
        return
    for name in ("labels", "annotations"):
        mine = (local or {}).get(name) or {}
        theirs = global_.get(name) or {}
        got = merged.get(name) or {}
        assert set(got) == set(mine) | set(theirs)
        for key, value in got.items():
            assert value == (mine[key] if key in mine else theirs[key])
    for name in ("disableNameSuffixHash", "immutable"):
        expected = bool((local or {}).get(name)) or bool(global_.get(name))
        assert bool(merged.get(name)) == expected


def test_options_from_config():
    opts = GeneratorOptions.from_config(
        {"labels": {"a": "1"}, "annotations": {"b": None}, "immutable": True}, "x")
    assert opts.labels == {"a": "1"} and opts.annotations == {"b": ""}
    assert opts.immutable and not opts.disable_name_suffix_hash


@pytest.mark.parametrize("options", [
    {"labels": {"a": 1}}, {"labels": ["a"]}, {"immutable": "yes"}, "flat"])
def test_options_type_errors(options):
    with pytest.raises(KustomizationError, match="cannot unmarshal"):
        GeneratorOptions.from_config(options, "configMapGenerator")
