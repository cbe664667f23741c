"""The patch plugins: configuration errors, target rules, renames and messages."""

from __future__ import annotations

import pytest

from lamina.errors import KustomizationError, LaminaError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext
from lamina.transformers.patches import (make_json6902_transformer, make_patch_transformer,
                                         make_psm_transformer)
from lamina.transformers.registry import transformer_factory


@pytest.fixture
def ctx(dir_loader):
    def make(tmp_path, **files):
        for name, text in files.items():
            (tmp_path / name).write_text(text)
        return PluginContext(loader=dir_loader(tmp_path), config=None)
    return make


def _resmap():
    def dep(name, labels):
        return Resource({"apiVersion": "apps/v1", "kind": "Deployment",
                         "metadata": {"name": name, "labels": labels},
                         "spec": {"replicas": 1}})
    return ResMap([dep("web", {"app": "web"}), dep("api", {"app": "api"}),
                   Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}})])


_SMP = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"


def test_registry_points_at_these_factories():
    assert transformer_factory("PatchTransformer") is make_patch_transformer
    assert transformer_factory("PatchStrategicMergeTransformer") is make_psm_transformer
    assert transformer_factory("PatchJson6902Transformer") is make_json6902_transformer


def test_untargeted_smp_patches_the_resource_with_its_id(tmp_path, ctx):
    m = _resmap()
    make_patch_transformer({"path": "p.yaml"}, ctx(tmp_path, **{"p.yaml": _SMP})).transform(m)
    assert m[0].obj["spec"]["replicas"] == 3 and m[1].obj["spec"]["replicas"] == 1


def test_untargeted_smp_without_match_names_the_id(tmp_path, ctx):
    t = make_patch_transformer({"patch": _SMP.replace("web", "nope")}, ctx(tmp_path))
    with pytest.raises(ResourceError, match=r'no resource matches strategic merge patch "Deployment.v1.apps/nope'):
        t.transform(_resmap())


def test_targeted_smp_applies_to_all_selected_and_keeps_names(tmp_path, ctx):
    m = _resmap()
    patch = "kind: Deployment\nmetadata:\n  name: other\n  namespace: elsewhere\nspec:\n  replicas: 5\n"
    make_patch_transformer({"patch": patch, "target": {"labelSelector": "app"}}, ctx(tmp_path)).transform(m)
    got = [(r.name, r.namespace, r.obj.get("spec", {}).get("replicas")) for r in m]
    assert got == [("web", "", 5), ("api", "", 5), ("cm", "", None)]


def test_targeted_patch_matching_nothing_is_fine(tmp_path, ctx):
    m = _resmap()
    make_patch_transformer({"patch": _SMP, "target": {"kind": "Nope"}}, ctx(tmp_path)).transform(m)
    assert m[0].obj["spec"]["replicas"] == 1


def test_rename_needs_the_option_and_is_remembered(tmp_path, ctx):
    patch = "kind: StatefulSet\nmetadata:\n  name: web2\n"
    m = _resmap()
    make_patch_transformer({"patch": patch, "target": {"name": "web"}}, ctx(tmp_path)).transform(m)
    assert (m[0].kind, m[0].name, m[0].previous_ids) == ("Deployment", "web", [])
    m = _resmap()
    make_patch_transformer({"patch": patch, "target": {"name": "web"},
                            "options": {"allowNameChange": True, "allowKindChange": True}},
                           ctx(tmp_path)).transform(m)
    assert (m[0].kind, m[0].name) == ("StatefulSet", "web2")
    assert m[0].org_id.name == "web" and m[0].org_id.kind == "Deployment"


def test_delete_patch_removes_the_resource(tmp_path, ctx):
    m = _resmap()
    make_patch_transformer({"patch": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n$patch: delete\n"},
                           ctx(tmp_path)).transform(m)
    assert [r.name for r in m] == ["web", "api"]


def test_json_patch_detection_and_errors(tmp_path, ctx):
    m = _resmap()
    make_patch_transformer({"patch": "- {op: replace, path: /metadata/name, value: cm2}",
                            "target": {"kind": "ConfigMap"}}, ctx(tmp_path)).transform(m)
    assert m[2].name == "cm2" and m[2].org_id.name == "cm"
    with pytest.raises(KustomizationError, match="must specify a target for JSON patch"):
        make_patch_transformer({"patch": '[{"op": "remove", "path": "/spec"}]'}, ctx(tmp_path)).transform(m)
    with pytest.raises(KustomizationError, match="unable to parse SM or JSON patch"):
        make_patch_transformer({"patch": "metadata: {labels: {a: b}}"}, ctx(tmp_path))
    failing = make_patch_transformer({"path": "j.yaml", "target": {"kind": "ConfigMap"}},
                                     ctx(tmp_path, **{"j.yaml": "- {op: remove, path: /nope}\n"}))
    with pytest.raises(LaminaError, match=r'j\.yaml.*ConfigMap.*nonexistent key'):
        failing.transform(m)


def test_config_errors(tmp_path, ctx):
    with pytest.raises(KustomizationError, match="must specify one of patch and path"):
        make_patch_transformer({}, ctx(tmp_path))
    with pytest.raises(KustomizationError, match="can't be set at the same time"):
        make_patch_transformer({"patch": _SMP, "path": "p.yaml"}, ctx(tmp_path))
    with pytest.raises(KustomizationError, match="failed to get the patch file"):
        make_patch_transformer({"path": "missing.yaml"}, ctx(tmp_path))
    with pytest.raises(KustomizationError, match="Multiple Strategic-Merge Patches"):
        make_patch_transformer({"patch": _SMP + "---\n" + _SMP, "target": {"kind": "Deployment"}},
                               ctx(tmp_path)).transform(_resmap())


def test_psm_inline_and_paths(tmp_path, ctx):
    m = _resmap()
    inline = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n"
    make_psm_transformer({"paths": ["p.yaml", inline]}, ctx(tmp_path, **{"p.yaml": _SMP})).transform(m)
    assert m[0].obj["spec"]["replicas"] == 3 and m[2].obj["data"] == {"a": "b"}
    with pytest.raises(KustomizationError, match="patch appears to be empty"):
        make_psm_transformer({"paths": ["e.yaml"]}, ctx(tmp_path, **{"e.yaml": "# empty\n"}))
    with pytest.raises(ResourceError, match="no matches for Id"):
        make_psm_transformer({"patches": _SMP.replace("web", "x")}, ctx(tmp_path)).transform(m)


def test_json6902_transformer(tmp_path, ctx):
    m = _resmap()
    make_json6902_transformer({"target": {"kind": "ConfigMap", "name": "cm"},
                               "jsonOp": '[{"op": "add", "path": "/data", "value": {"k": "v"}}]'},
                              ctx(tmp_path)).transform(m)
    assert m[2].obj["data"] == {"k": "v"} and m[2].previous_ids == []
    with pytest.raises(KustomizationError, match="must specify the target name"):
        make_json6902_transformer({"target": {"kind": "ConfigMap"}, "jsonOp": "[]"}, ctx(tmp_path))
    with pytest.raises(KustomizationError, match="empty file path and empty jsonOp"):
        make_json6902_transformer({"target": {"name": "cm"}}, ctx(tmp_path))
    with pytest.raises(KustomizationError, match="patch appears to be empty"):
        make_json6902_transformer({"target": {"name": "cm"}, "jsonOp": "[]"}, ctx(tmp_path))
