"""SchemaIndex: builtin data from kubernetes-validate, custom `openapi:` documents."""

from __future__ import annotations

import json
import pytest

from lamina.errors import KustomizationError
from lamina.patch.openapi import SchemaIndex, default_index, schema_for


def test_builtin_merge_keys():
    idx = default_index()
    ports = idx.lookup("apps/v1", "Deployment", ("spec", "template", "spec", "containers", "ports"))
    assert SchemaIndex.strategy_and_keys(ports) == ("merge", ["containerPort", "protocol"])
    env = idx.lookup("apps/v1", "Deployment", ("spec", "template", "spec", "containers", "env"))
    assert SchemaIndex.strategy_and_keys(env) == ("merge", ["name"])
    tolerations = idx.lookup("v1", "Pod", ("spec", "tolerations"))
    assert tolerations is not None and not SchemaIndex.merges_list(tolerations)
    volumes = idx.lookup("batch/v1", "Job", ("spec", "template", "spec", "volumes"))
    assert SchemaIndex.merges_list(volumes)           # strategy "merge,retainKeys"
    assert idx.root("example.com/v1", "Unknown") is None
    # labels are a map of strings: any key resolves through additionalProperties
    labels = idx.lookup("v1", "ConfigMap", ("metadata", "labels", "anything"))
    assert labels is not None and "string" in labels.get("type")


def test_default_index_is_cached():
    assert default_index() is default_index()


def test_no_field_means_builtin(tmp_path, dir_loader):
    assert schema_for(None, dir_loader(tmp_path)) is default_index()
    assert schema_for({}, dir_loader(tmp_path)) is default_index()
    assert schema_for({"version": "v1.21.2"}, dir_loader(tmp_path)) is default_index()


def test_version_and_path_errors(tmp_path, dir_loader):
    with pytest.raises(KustomizationError, match="not built in"):
        schema_for({"version": "v1.14.1"}, dir_loader(tmp_path))
    with pytest.raises(KustomizationError, match="cannot use both"):
        schema_for({"version": "v1.21.2", "path": "s.json"}, dir_loader(tmp_path))
    with pytest.raises(KustomizationError, match="no such file"):
        schema_for({"path": "missing.json"}, dir_loader(tmp_path))


_CUSTOM = {
    "definitions": {
        "example.MyCRD": {
            "type": "object",
            "properties": {"spec": {"$ref": "#/definitions/example.Spec"}},
            "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "MyCRD", "version": "v1"}],
        },
        "example.Spec": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/definitions/example.Item"},
                          "x-kubernetes-patch-merge-key": "id", "x-kubernetes-patch-strategy": "merge"},
                # refers to a builtin definition the document does not repeat
                "template": {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"},
            },
        },
        "example.Item": {"type": "object", "properties": {"id": {"type": "string"}}},
    },
    "paths": {
        "/apis/example.com/v1/namespaces/{namespace}/mycrds/{name}": {
            "get": {"x-kubernetes-group-version-kind": {"group": "example.com", "kind": "MyCRD", "version": "v1"}}},
        "/apis/example.com/v1/clusterthings/{name}": {
            "get": {"x-kubernetes-group-version-kind": {"group": "example.com", "kind": "Thing", "version": "v1"}}},
    },
}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_custom_schema_extends_builtin(tmp_path, fmt, dir_loader):
    if fmt == "json":
        (tmp_path / "s.json").write_text(json.dumps(_CUSTOM))
    else:
        from lamina.yaml import dump
        (tmp_path / "s.json").write_text(dump(_CUSTOM))
    idx = schema_for({"path": "s.json"}, dir_loader(tmp_path))
    items = idx.lookup("example.com/v1", "MyCRD", ("spec", "items"))
    assert SchemaIndex.strategy_and_keys(items) == ("merge", ["id"])
    containers = idx.lookup("example.com/v1", "MyCRD", ("spec", "template", "spec", "containers"))
    assert SchemaIndex.strategy_and_keys(containers)[1] == ["name"]
    assert idx.root("apps/v1", "Deployment") is not None       # builtin kinds stay known
    assert idx.is_namespaced("example.com/v1", "MyCRD") is True
    assert idx.is_namespaced("example.com/v1", "Thing") is False
    assert idx.is_namespaced("apps/v1", "Deployment") is None


def test_bad_custom_schema(tmp_path, dir_loader):
    (tmp_path / "s.json").write_text("{not json")
    with pytest.raises(KustomizationError, match="invalid schema file"):
        schema_for({"path": "s.json"}, dir_loader(tmp_path))
    (tmp_path / "s.yaml").write_text("- a\n- b\n")
    with pytest.raises(KustomizationError, match="invalid schema file"):
        schema_for({"path": "s.yaml"}, dir_loader(tmp_path))


def test_reference_cycle_is_unknown():
    idx = SchemaIndex({"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"},
                       "root": {"properties": {"x": {"$ref": "#/definitions/a"}},
                                "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "R"}]}})
    assert idx.lookup("v1", "R", ("x",)) is None


def test_build_schema_first_declaration_wins(tmp_path, dir_loader):
    from lamina.patch.openapi import BuildSchema
    (tmp_path / "s.json").write_text(json.dumps(_CUSTOM))
    loader = dir_loader(tmp_path)
    chosen = BuildSchema()
    assert chosen.current is default_index()
    chosen.declare(None, loader, root=True)
    chosen.declare({"path": "s.json"}, loader)            # a base declares a custom schema
    custom = chosen.current
    assert custom.root("example.com/v1", "MyCRD") is not None
    chosen.declare({"version": "v1.14.1"}, loader)        # later ones are ignored, even bad ones
    assert chosen.current is custom
    root_first = BuildSchema()
    root_first.declare({"version": "v1.21.2"}, loader, root=True)
    root_first.declare({"path": "s.json"}, loader)
    assert root_first.current is default_index()
