"""JSON 6902 patches: unit tests, laws, and a differential test against kubectl."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.patch.json6902 import PatchError, apply_json6902, parse_operations
from lamina.yaml import dump_all, load_all

_CM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  a: "1"
list: [x, y, z]
"""

OPS = [
    [{"op": "add", "path": "/x/y", "value": 1}],
    [{"op": "replace", "path": "/data/zz", "value": "2"}],
    [{"op": "remove", "path": "/data/zz"}],
    [{"op": "add", "path": "/list/-1", "value": "n"}],
    [{"op": "add", "path": "/list/-2", "value": "n"}],
    [{"op": "add", "path": "/list/-4", "value": "n"}],
    [{"op": "add", "path": "/list/-5", "value": "n"}],
    [{"op": "replace", "path": "/list/-1", "value": "n"}],
    [{"op": "replace", "path": "/list/-4", "value": "n"}],
    [{"op": "remove", "path": "/list/-1"}],
    [{"op": "add", "path": "/list/-", "value": "n"}],
    [{"op": "add", "path": "/list/3", "value": "n"}],
    [{"op": "add", "path": "/list/4", "value": "n"}],
    [{"op": "add", "path": "/list/01", "value": "n"}],
    [{"op": "add", "path": "/list/+1", "value": "n"}],
    [{"op": "add", "path": "/list/a", "value": "n"}],
    [{"op": "remove", "path": "/list/3"}],
    [{"op": "test", "path": "/data/a", "value": "2"}],
    [{"op": "test", "path": "/data/a", "value": "1"}, {"op": "move", "from": "/data/a", "path": "/data/b"}],
    [{"op": "test", "path": "/x", "value": None}],
    [{"op": "test", "path": "/x/y", "value": "n"}],
    [{"op": "test", "path": "/list", "value": ["x", "y", "z"]}],
    [{"op": "copy", "from": "/list", "path": "/data/l"}],
    [{"op": "copy", "from": "/nope", "path": "/x"}],
    [{"op": "copy", "from": "/list/0", "path": "/list/-"}],
    [{"op": "move", "from": "/data/nope", "path": "/data/b"}],
    [{"op": "move", "from": "/data", "path": "/data/x"}],
    [{"op": "replace", "path": "/list/5", "value": "n"}],
    [{"op": "replace", "path": "/x/y", "value": "n"}],
    [{"op": "add", "path": "/data/-", "value": "n"}],
    [{"op": "add", "path": "/data/a~1b", "value": "n"}],
    [{"op": "add", "path": "/data/a"}],
    [{"op": "add", "path": "/list/2/x", "value": "n"}],
    [{"op": "bogus", "path": "/data"}],
    [{"path": "/data/a"}],
]


def _kubectl(kubectl_kustomize, tmp_path, patch_text: str) -> tuple[int, str]:
    (tmp_path / "cm.yaml").write_text(_CM)
    (tmp_path / "patch.txt").write_text(patch_text)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap}\n  path: patch.txt\n")
    proc = kubectl_kustomize(tmp_path)
    return proc.returncode, proc.stdout


@pytest.mark.parametrize("ops", OPS, ids=lambda ops: json.dumps(ops))
def test_matches_kubectl(tmp_path, ops, kubectl_kustomize):
    rc, expected = _kubectl(kubectl_kustomize, tmp_path, json.dumps(ops))
    target = load_all(_CM, "cm.yaml")[0]
    if rc != 0:
        with pytest.raises(PatchError):
            apply_json6902(target, ops)
    else:
        assert dump_all([apply_json6902(target, ops)]) == expected


def test_yaml_ops_use_go_yaml_v2_meanings(tmp_path, kubectl_kustomize):
    text = "- op: add\n  path: /data\n  value: {x: y, o: on, q: 'y', n: 0x10, 1: a, 1.5: b}\n"
    rc, expected = _kubectl(kubectl_kustomize, tmp_path, text)
    assert rc == 0
    assert dump_all([apply_json6902(load_all(_CM, "cm.yaml")[0], text)]) == expected


def test_parse_json_and_yaml():
    assert parse_operations('[{"op": "remove", "path": "/a"}]') == [{"op": "remove", "path": "/a"}]
    assert parse_operations("- op: remove\n  path: /a\n") == [{"op": "remove", "path": "/a"}]
    assert parse_operations("# only a comment\n") == []
    with pytest.raises(PatchError):
        parse_operations("[{op: remove}]")        # '[' means JSON, as in Kustomize
    with pytest.raises(PatchError):
        parse_operations("op: remove\n")           # not a list
    with pytest.raises(PatchError):
        parse_operations("")


def test_target_is_not_mutated():
    target = {"a": {"b": [1, 2]}}
    out = apply_json6902(target, [{"op": "add", "path": "/a/b/-", "value": 3}])
    assert target == {"a": {"b": [1, 2]}}
    assert out == {"a": {"b": [1, 2, 3]}}


_keys = st.text(alphabet="abc~/", min_size=1, max_size=4)
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=4),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(_keys, c, max_size=3),
                     max_leaves=10)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@settings(max_examples=200, deadline=None)
@given(doc=st.dictionaries(_keys, _json, max_size=4), key=_keys, value=_json)
def test_add_then_remove_is_identity(doc, key, value):
    doc.pop(key, None)
    path = "/" + _escape(key)
    ops = [{"op": "add", "path": path, "value": value}, {"op": "remove", "path": path}]
    assert apply_json6902(doc, ops) == doc


@settings(max_examples=200, deadline=None)
@given(items=st.lists(_json, max_size=5), value=_json, data=st.data())
def test_array_insert_then_remove_is_identity(items, value, data):
    i = data.draw(st.integers(min_value=0, max_value=len(items)))
    doc = {"l": items}
    ops = [{"op": "add", "path": f"/l/{i}", "value": value}, {"op": "remove", "path": f"/l/{i}"}]
    assert apply_json6902(doc, ops) == doc


@settings(max_examples=100, deadline=None)
@given(doc=st.dictionaries(_keys, _json, min_size=1, max_size=4), data=st.data())
def test_test_op_accepts_current_value(doc, data):
    key = data.draw(st.sampled_from(sorted(doc)))
    assert apply_json6902(doc, [{"op": "test", "path": "/" + _escape(key), "value": doc[key]}]) == doc
