"""ResMap's id indexes stay right when transformers rename resources in place."""

import pytest

from lamina.errors import ResourceError
from lamina.model.resid import Gvk, ResId
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource


def cm(name, namespace=None):
    md = {"name": name}
    if namespace:
        md["namespace"] = namespace
    return Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": md})


def rid(name, namespace=""):
    return ResId(Gvk("", "v1", "ConfigMap"), name, namespace)


def test_lookup_follows_in_place_rename():
    a, b = cm("a"), cm("b")
    m = ResMap([a, b])
    a.remember_id()
    a.obj["metadata"]["name"] = "x-a"
    assert m.by_current_id(rid("x-a")) == [a]
    assert m.by_current_id(rid("a")) == []
    assert m.by_any_id(rid("a")) == [a]
    assert m.by_original_id(rid("a")) == [a]
    assert m.named("a") == [a] and m.named("x-a") == [a]


def test_duplicate_after_rename_is_refused():
    a = cm("a")
    m = ResMap([a])
    a.obj["metadata"]["name"] = "b"
    m.append(cm("a"))
    with pytest.raises(ResourceError):
        m.append(cm("b"))


def test_default_namespace_counts_as_empty():
    m = ResMap([cm("a", "default")])
    with pytest.raises(ResourceError):
        m.append(cm("a"))


def test_results_keep_list_order():
    a, b, c = cm("a", "n1"), cm("b"), cm("a", "n2")
    m = ResMap([a, b, c])
    assert m.named("a") == [a, c]
    b.obj["metadata"]["name"] = "a"
    assert m.named("a") == [a, b, c]


def test_replace_and_set_items_reindex():
    a, b = cm("a"), cm("b")
    m = ResMap([a, b])
    n = cm("a")
    m.replace(a, n)
    assert m.by_current_id(rid("a")) == [n]
    m.set_items([b])
    assert m.by_current_id(rid("a")) == [] and len(m) == 1


# ---- editing windows -----------------------------------------------------------------

def test_window_rechecks_what_was_touched():
    a, b = cm("a"), cm("b")
    m = ResMap([a, b])
    with m.editing():
        m.touch(a)
        a.remember_id()
        a.obj["metadata"]["name"] = "x-a"
        assert m.by_current_id(rid("x-a")) == [a]
        assert m.by_any_id(rid("a")) == [a]
        assert m.by_current_id(rid("a")) == []
    assert m.by_current_id(rid("x-a")) == [a]


def test_after_a_window_every_id_is_checked_again():
    a, b = cm("a"), cm("b")
    m = ResMap([a, b])
    with m.editing():
        m.touch(a)
        a.obj["metadata"]["name"] = "x-a"
        assert m.by_current_id(rid("x-a")) == [a]
    b.obj["metadata"]["name"] = "x-b"          # outside any window: no report needed
    assert m.by_current_id(rid("x-b")) == [b]
    assert m.by_current_id(rid("b")) == []


def test_window_sees_appends_replacements_and_removals():
    a, b = cm("a"), cm("b")
    m = ResMap([a])
    with m.editing():
        m.append(b)
        assert m.by_current_id(rid("b")) == [b]
        c = cm("a")
        m.replace(a, c)
        assert m.by_current_id(rid("a")) == [c]
        m.remove(b)
        assert m.by_current_id(rid("b")) == []
        with pytest.raises(ResourceError):
            m.append(cm("a"))


def test_touch_outside_a_window_is_harmless():
    a = cm("a")
    m = ResMap([a])
    m.touch(a)
    a.obj["metadata"]["name"] = "z"
    assert m.by_current_id(rid("z")) == [a]
