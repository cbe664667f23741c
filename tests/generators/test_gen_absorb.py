"""Absorbing generated resources by behavior (create / merge / replace)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.errors import LaminaError, ResourceError
from lamina.generators.absorb import absorb, go_resid
from lamina.generators.hash_suffix import make_hash_transformer
from lamina.model.resmap import ResMap
from lamina.model.resource import Origin, Resource
from lamina.transformers.base import PluginContext
from lamina.yaml import dump_all, load

from tests.generators.gen_helpers import generate
from tests.helpers.loader import DirLoader


def _res(kind="ConfigMap", name="cm", behavior="", needs_hash=True, **fields):
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}, **fields}
    r = Resource(obj)
    r.behavior = behavior
    r.needs_hash = needs_hash
    return r


def test_create_appends_and_refuses_an_existing_id():
    resmap = ResMap([_res(name="a")])
    absorb(resmap, ResMap([_res(name="b", behavior="create")]))
    assert [r.name for r in resmap] == ["a", "b"]
    with pytest.raises(ResourceError) as info:
        absorb(resmap, ResMap([_res(name="a")]))
    assert info.value.message == (
        'id resid.ResId{Gvk:resid.Gvk{Group:"", Version:"v1", Kind:"ConfigMap", '
        'isClusterScoped:false}, Name:"a", Namespace:""} exists; can not use behavior: '
        "'unspecified', behavior must be merge or replace")


@pytest.mark.parametrize("behavior", ["merge", "replace"])
def test_merge_or_replace_needs_a_target(behavior):
    with pytest.raises(ResourceError, match="does not exist; cannot merge or replace"):
        absorb(ResMap([_res(name="other")]), ResMap([_res(behavior=behavior)]))


def test_merge_combines_maps_new_values_win_and_keeps_place():
    old = _res(name="p-cm", data={"a": "1", "b": 2, "n": None}, binaryData={"x": "AA=="})
    old.metadata["labels"] = {"keep": "old", "both": "old"}
    old.metadata["namespace"] = "ns"
    old.remember_id()
    old.previous_ids[0] = old.previous_ids[0].__class__(old.cur_id.gvk, "cm", "ns")
    old.prefixes = ["p-"]
    old.origin = Origin("base/kustomization.yaml")
    first = _res(name="first")
    new = _res(name="cm", behavior="merge", data={"b": "3", "c": "4"})
    new.metadata["namespace"] = "ns"
    new.metadata["labels"] = {"both": "new"}
    new.metadata["annotations"] = {"note": "n"}
    new.origin = Origin("overlay/kustomization.yaml")
    resmap = ResMap([first, old])
    absorb(resmap, ResMap([new]))
    assert resmap.resources() == [first, new]
    assert new.obj["data"] == {"a": "1", "b": "3", "c": "4", "n": ""}
    assert new.obj["binaryData"] == {"x": "AA=="}
    assert new.metadata == {"name": "p-cm", "namespace": "ns",
                            "labels": {"both": "new", "keep": "old"},
                            "annotations": {"note": "n"}}
    assert new.prefixes == ["p-"] and new.org_id.name == "cm"
    assert new.origin == old.origin


def test_replace_takes_new_data_but_old_name_and_metadata():
    old = _res(name="cm", data={"a": "1"}, immutable=True)
    old.metadata["annotations"] = {"from": "base"}
    new = _res(name="cm", behavior="replace", data={"z": "9"})
    resmap = ResMap([old])
    absorb(resmap, ResMap([new]))
    assert resmap.resources() == [new]
    assert new.obj["data"] == {"z": "9"} and "immutable" not in new.obj
    assert new.metadata["annotations"] == {"from": "base"}


@pytest.mark.parametrize("old_hash,new_hash", [(True, True), (True, False), (False, True)])
def test_hash_suffix_survives_only_if_both_want_it(old_hash, new_hash):
    old = _res(needs_hash=old_hash)
    new = _res(behavior="merge", needs_hash=new_hash)
    resmap = ResMap([old])
    absorb(resmap, ResMap([new]))
    assert new.needs_hash == (old_hash and new_hash)


def test_several_candidates_is_an_error():
    a = _res(name="a-cm")
    a.previous_ids = [_res(name="cm").cur_id]
    b = _res(name="cm-b")
    b.previous_ids = [_res(name="cm").cur_id]
    with pytest.raises(ResourceError, match="found multiple objects"):
        absorb(ResMap([a, b]), ResMap([_res(behavior="merge")]))


def test_go_resid_marks_cluster_scoped_kinds():
    assert "isClusterScoped:true" in go_resid(_res(kind="Namespace", name="n").cur_id)


# ---- overlays, against kubectl ---------------------------------------------------------
# The base's namePrefix/nameSuffix is applied by hand here (remember the id, rename), the
# way the prefix transformer does it, so only this module's behaviour is under test.

OVERLAYS = {
    "merge-into-prefixed-base": (
        "namePrefix: p-\nconfigMapGenerator:\n- name: cm\n  literals: [a=1, b=2]\n"
        "  options: {labels: {tier: base}}\n"
        "secretGenerator:\n- name: s\n  literals: [u=admin]\n",
        "resources: [base]\nconfigMapGenerator:\n- name: cm\n  behavior: merge\n"
        "  literals: [b=3, c=4]\n  options: {labels: {tier: overlay, x: z}}\n"
        "secretGenerator:\n- name: s\n  behavior: replace\n  literals: [p=pw]\n"
        "  type: kubernetes.io/basic-auth\n",
    ),
    "merge-by-new-name": (
        "namePrefix: p-\nconfigMapGenerator:\n- name: cm\n  literals: [a=1]\n",
        "resources: [base]\nconfigMapGenerator:\n- name: p-cm\n  behavior: merge\n"
        "  literals: [z=1]\n",
    ),
    "base-disables-hash": (
        "generatorOptions: {disableNameSuffixHash: true}\n"
        "configMapGenerator:\n- name: cm\n  literals: [a=1]\n",
        "resources: [base]\nconfigMapGenerator:\n- name: cm\n  behavior: merge\n"
        "  literals: [z=1]\n",
    ),
    "create-over-base": (
        "configMapGenerator:\n- name: cm\n  literals: [a=1]\n",
        "resources: [base]\nconfigMapGenerator:\n- name: cm\n  literals: [z=1]\n",
    ),
}


def _generate_into(resmap: ResMap, root: Path, kust: dict) -> None:
    ctx = PluginContext(loader=DirLoader(str(root)), config=None)
    for field, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for entry in kust.get(field, []):
            entry = dict(entry)
            global_ = kust.get("generatorOptions")
            if global_:
                from lamina.generators.configmap import merge_generator_options
                entry["options"] = merge_generator_options(entry.get("options"), global_)
            absorb(resmap, generate(entry, ctx, kind))


def _lamina_overlay(root: Path) -> str:
    base_kust = load((root / "base" / "kustomization.yaml").read_text(), "base")
    base = ResMap()
    _generate_into(base, root / "base", base_kust)
    for res in base:
        prefix = base_kust.get("namePrefix", "")
        if prefix:
            res.remember_id()
            res.name = prefix + res.name
            res.prefixes.append(prefix)
    overlay_kust = load((root / "kustomization.yaml").read_text(), "overlay")
    _generate_into(base, root, overlay_kust)
    make_hash_transformer({}, PluginContext(loader=None, config=None)).transform(base)
    return dump_all([r.obj for r in base])


@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_overlay_matches_kubectl(kubectl_kustomize, name: str, tmp_path: Path) -> None:
    base_text, overlay_text = OVERLAYS[name]
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text(base_text)
    (tmp_path / "kustomization.yaml").write_text(overlay_text)
    oracle = kubectl_kustomize(tmp_path)
    if oracle.returncode != 0:
        with pytest.raises(LaminaError):
            _lamina_overlay(tmp_path)
        return
    assert sorted(_lamina_overlay(tmp_path).split("---\n")) == sorted(
        oracle.stdout.split("---\n"))


def test_merge_keeps_the_old_origin_annotation_replace_does_not():
    for behavior, expected in (("merge", "old"), ("replace", "new")):
        old = _res(data={"a": "1"})
        old.metadata["annotations"] = {"config.kubernetes.io/origin": "old"}
        new = _res(behavior=behavior, data={"b": "2"})
        new.metadata["annotations"] = {"config.kubernetes.io/origin": "new"}
        absorb(ResMap([old]), ResMap([new]))
        assert new.annotations()["config.kubernetes.io/origin"] == expected
