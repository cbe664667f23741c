"""clone() is copy.deepcopy for documents, only faster."""

import copy
import math

from hypothesis import given
from hypothesis import strategies as st

from lamina.model.clone import clone
from lamina.yaml.empty_value import EmptyValueKey

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)


def _shape(x):
    """Value and exact type at every node (True == 1 and 1 == 1.0 would hide a change)."""
    if isinstance(x, dict):
        return ("dict", [(type(k), k, _shape(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("list", [_shape(v) for v in x])
    return (type(x), x)


@given(documents)
def test_clone_equals_deepcopy(doc):
    copied = clone(doc)
    assert _shape(copied) == _shape(copy.deepcopy(doc)) == _shape(doc)


def test_clone_is_deep():
    doc = {"metadata": {"labels": {"a": "1"}}, "items": [{"x": 1}]}
    copied = clone(doc)
    copied["metadata"]["labels"]["a"] = "2"
    copied["items"][0]["x"] = 2
    assert doc == {"metadata": {"labels": {"a": "1"}}, "items": [{"x": 1}]}


def test_shared_objects_stay_shared_as_in_deepcopy():
    shared = {"k": "v"}
    copied = clone({"a": shared, "b": shared})
    assert copied["a"] is copied["b"] and copied["a"] is not shared


def test_marker_types_survive():
    doc = {"data": {EmptyValueKey("empty"): None, "x": [1.5, -0.0, math.inf]}}
    copied = clone(doc)
    key = next(iter(copied["data"]))
    assert type(key) is EmptyValueKey
    assert copied == doc and copied["data"] is not doc["data"]


def test_label_maps_keep_their_shared_entries():
    from lamina.transformers.labels import EntryMap, SharedNode
    node = SharedNode("web")
    labels, selector = EntryMap({"app": "web"}), EntryMap({"app": "web"})
    labels.shared["app"] = selector.shared["app"] = node
    copied = clone({"metadata": {"labels": labels}, "spec": {"selector": selector}})
    c_labels, c_selector = copied["metadata"]["labels"], copied["spec"]["selector"]
    assert type(c_labels) is EntryMap and type(c_selector) is EntryMap
    assert c_labels.shared["app"] is c_selector.shared["app"]
    assert c_labels.shared["app"] is not node and c_labels.shared["app"].value == "web"
