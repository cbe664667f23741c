"""ObjectRef: the one identity checks, diff and explain name rendered objects by."""

from __future__ import annotations

import yaml

from lamina.checks.base import Obj
from lamina.model.objref import ObjectRef

DEPLOYMENT = yaml.safe_load("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
""")
NAMESPACE = yaml.safe_load("""
apiVersion: v1
kind: Namespace
metadata: {name: shop}
""")


def test_read_from_a_manifest() -> None:
    assert ObjectRef.of(DEPLOYMENT) == ObjectRef("apps", "Deployment", "shop", "web")
    assert ObjectRef.of(NAMESPACE) == ObjectRef("", "Namespace", "", "shop")
    assert ObjectRef.of({"kind": "X", "metadata": "not a mapping"}) == ObjectRef(kind="X")


def test_its_texts_are_the_ones_users_see() -> None:
    ref = ObjectRef.of(DEPLOYMENT)
    assert str(ref) == "Deployment/shop/web"                 # checks
    assert ref.qualified() == "Deployment.apps/shop/web"     # diff
    assert ref.kind_name() == "Deployment/web"               # explain
    assert str(ObjectRef.of(NAMESPACE)) == ObjectRef.of(NAMESPACE).qualified() == "Namespace/shop"


def test_checks_name_objects_by_it() -> None:
    obj = Obj(DEPLOYMENT)
    assert obj.ref == ObjectRef.of(DEPLOYMENT) and obj.ident == str(obj.ref)


def test_ordered_by_group_kind_namespace_name() -> None:
    refs = [ObjectRef("b", "A", "", "x"), ObjectRef("a", "B", "", "x"), ObjectRef("a", "A", "n", "x"),
            ObjectRef("a", "A", "", "y")]
    assert sorted(refs) == [refs[3], refs[2], refs[1], refs[0]]
