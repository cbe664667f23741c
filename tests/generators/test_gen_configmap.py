"""The ConfigMap and Secret generator plugins, one entry at a time."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.errors import KustomizationError
from lamina.generators.configmap import encode_base64, make_configmap_generator
from lamina.model.resource import Origin
from lamina.transformers.base import PluginContext

from tests.generators.gen_helpers import generate
from tests.helpers.loader import DirLoader


def test_configmap_shape_and_bookkeeping(tmp_path: Path, ctx):
    (tmp_path / "f.txt").write_text("hello\n")
    origin = Origin("kustomization.yaml")
    ctx = PluginContext(loader=ctx.loader, config=None, origin=origin)
    [res] = generate({"name": "cm", "namespace": "ns", "behavior": "merge",
                      "literals": ["a=1"], "files": ["f.txt"],
                      "options": {"labels": {"l": "v"}, "annotations": {"n": "m"},
                                  "immutable": True}}, ctx)
    assert res.obj == {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "ns", "labels": {"l": "v"},
                     "annotations": {"n": "m"}},
        "data": {"a": "1", "f.txt": "hello\n"}, "immutable": True}
    assert res.behavior == "merge" and res.needs_hash and res.is_generated
    assert res.origin is origin


@pytest.mark.parametrize("behavior,expected", [
    (None, "unspecified"), ("create", "create"), ("replace", "replace"), ("bogus", "unspecified")])
def test_behavior(behavior, expected, ctx):
    [res] = generate({"name": "cm", "behavior": behavior}, ctx)
    assert res.behavior == expected


def test_disable_hash_and_empty_configmap(ctx):
    [res] = generate({"name": "cm", "options": {"disableNameSuffixHash": True}}, ctx)
    assert not res.needs_hash
    assert "data" not in res.obj and "binaryData" not in res.obj


def test_binary_file_goes_to_binary_data(tmp_path: Path, ctx):
    raw = bytes(range(256))
    (tmp_path / "bin").write_bytes(raw)
    (tmp_path / "txt").write_text("ok")
    [res] = generate({"name": "cm", "files": ["bin", "txt"]}, ctx)
    assert res.obj["data"] == {"txt": "ok"}
    assert base64.b64decode(res.obj["binaryData"]["bin"]) == raw


def test_secret_encodes_everything(tmp_path: Path, ctx):
    (tmp_path / "bin").write_bytes(b"\xff\x00")
    [res] = generate({"name": "s", "literals": ["u=admin"], "files": ["k=bin"]}, ctx, "Secret")
    assert res.obj["type"] == "Opaque"
    assert res.obj["data"] == {"u": "YWRtaW4=", "k": "/wA="}
    [empty] = generate({"name": "e", "type": "kubernetes.io/tls"}, ctx, "Secret")
    assert empty.obj["data"] == {} and empty.obj["type"] == "kubernetes.io/tls"


@given(st.binary(max_size=300))
def test_base64_lines_decode_back(raw):
    text = encode_base64(raw)
    assert base64.b64decode(text.replace("\n", "")) == raw
    lines = text.split("\n")
    if len(text.replace("\n", "")) >= 70:
        assert text.endswith("\n") and all(len(line) <= 70 for line in lines)
    else:
        assert "\n" not in text


def test_name_from_metadata_of_a_generator_file(ctx):
    [res] = generate({"apiVersion": "builtin", "kind": "ConfigMapGenerator",
                      "metadata": {"name": "fromfile", "namespace": "nsx"},
                      "env": "ignored.env", "literals": ["b=2"]}, ctx)
    assert res.name == "fromfile" and res.namespace == "nsx"
    assert res.obj["data"] == {"b": "2"}


@pytest.mark.parametrize("entry,message", [
    ({"literals": ["a=b"]}, "a configmap must have a name"),
    ({"name": "cm", "literals": ["a=1"], "files": ["a=f.txt"]},
     "configmap cm illegally repeats the key `a`"),
    ({"name": "cm", "files": ["missing.txt"]}, "loading KV pairs: file sources: [missing.txt]: "),
    ({"name": 3}, "cannot unmarshal number"),
    ({"name": "cm", "literals": "a=b"}, "cannot unmarshal string"),
])
def test_errors(entry, message, tmp_path: Path, ctx):
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(KustomizationError) as info:
        make_configmap_generator(entry, ctx).generate()
    assert message in info.value.message


def test_loader_without_read_bytes_falls_back_to_text(tmp_path: Path):
    class TextOnly:
        root = str(tmp_path)

        def read_text(self, path: str) -> str:
            return DirLoader(self.root).read_text(path)

        def display(self, path: str) -> str:
            return path

    (tmp_path / "f").write_text("é")
    ctx = PluginContext(loader=TextOnly(), config=None)
    [res] = generate({"name": "cm", "files": ["f"]}, ctx)
    assert res.obj["data"] == {"f": "é"}
