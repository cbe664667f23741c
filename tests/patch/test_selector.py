"""Tests for Kustomize's target selector matching."""

from __future__ import annotations

import pytest

from lamina.errors import KustomizationError
from lamina.model.resource import Resource
from lamina.patch.selector import Selector, parse_label_selector, select


def _res(kind="Deployment", name="web", api="apps/v1", ns=None, labels=None, annotations=None):
    md = {"name": name}
    if ns:
        md["namespace"] = ns
    if labels is not None:
        md["labels"] = labels
    if annotations is not None:
        md["annotations"] = annotations
    return Resource({"apiVersion": api, "kind": kind, "metadata": md})


def test_empty_selector_matches_everything():
    assert Selector.from_dict({}).matches(_res())
    assert Selector().is_empty()


def test_fields_are_anchored_regexes():
    assert Selector.from_dict({"name": "we"}).matches(_res()) is False
    assert Selector.from_dict({"name": "w.*"}).matches(_res())
    assert Selector.from_dict({"name": "web|api"}).matches(_res(name="api"))
    assert not Selector.from_dict({"kind": "Deploy"}).matches(_res())
    assert Selector.from_dict({"group": "apps", "version": "v1"}).matches(_res())
    assert not Selector.from_dict({"group": "apps"}).matches(_res(api="v1"))


def test_anchor_does_not_accept_trailing_newline():
    assert not Selector.from_dict({"name": "web"}).matches(_res(name="web\n"))


def test_namespace_uses_effective_namespace():
    assert Selector.from_dict({"namespace": "default"}).matches(_res())
    assert not Selector.from_dict({"namespace": "default"}).matches(_res(ns="prod"))
    assert Selector.from_dict({"namespace": "prod"}).matches(_res(ns="prod"))


def test_original_name_still_matches_after_rename():
    r = _res(name="web")
    r.remember_id()
    r.name = "p-web"
    assert Selector.from_dict({"name": "web"}).matches(r)
    assert Selector.from_dict({"name": "p-web"}).matches(r)
    assert not Selector.from_dict({"name": "other"}).matches(r)


@pytest.mark.parametrize("expr, labels, expected", [
    ("app=web", {"app": "web"}, True),
    ("app==web", {"app": "web"}, True),
    ("app=web", {"app": "api"}, False),
    ("app!=web", {}, True),
    ("app!=web", {"app": "web"}, False),
    ("app", {"app": ""}, True),
    ("app", {}, False),
    ("!app", {}, True),
    ("!app", {"app": "x"}, False),
    ("tier in (a, b)", {"tier": "b"}, True),
    ("tier in (a,b)", {}, False),
    ("tier notin (a,b)", {}, True),
    ("tier notin (a,b)", {"tier": "a"}, False),
    ("app=web,tier", {"app": "web"}, False),
    ("app=web, tier", {"app": "web", "tier": "x"}, True),
    ("n>3", {"n": "4"}, True),
    ("n<3", {"n": "4"}, False),
    ("app=", {"app": ""}, True),
    ("", {}, True),
])
def test_label_selector(expr, labels, expected):
    assert Selector.from_dict({"labelSelector": expr}).matches(_res(labels=labels)) is expected
    assert Selector.from_dict({"annotationSelector": expr}).matches(
        _res(annotations=labels)) is expected


@pytest.mark.parametrize("bad", ["app in a", "a=b=c", "=x", "app=web,", "bad key!x", "k=-bad-"])
def test_bad_label_selector_is_an_error(bad):
    with pytest.raises(KustomizationError):
        parse_label_selector(bad)


def test_bad_regex_and_unknown_field_are_errors():
    with pytest.raises(KustomizationError):
        Selector.from_dict({"name": "("})
    with pytest.raises(KustomizationError):
        Selector.from_dict({"nmae": "x"})
    with pytest.raises(KustomizationError):
        Selector.from_dict({"name": 12})


def test_select_keeps_order():
    rs = [_res(name="a"), _res(name="b", kind="Service", api="v1"), _res(name="c")]
    got = select(rs, Selector.from_dict({"kind": "Deployment"}))
    assert [r.name for r in got] == ["a", "c"]
