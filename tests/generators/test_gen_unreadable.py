"""Entries Kustomize writes and cannot read back: refused by lamina, failed by kubectl."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.errors import ResourceError
from lamina.generators.absorb import absorb
from lamina.generators.unreadable import literal_block_breaks, reads_back_as_string
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource

from tests.generators.gen_helpers import generate

KEYS = ["true", "True", "y", "yes", "on", "null", "~", "1", "0x1F", "1_000", "1:20", "1.5",
        ".inf", "08", "2001-12-14", "<<", "=", "abc", "1x", "-", "-1"]


@pytest.mark.parametrize("key", KEYS)
def test_agrees_with_kubectl(kubectl_kustomize, key: str, tmp_path: Path) -> None:
    (tmp_path / "f.env").write_text(f"{key}=v\n")
    (tmp_path / "kustomization.yaml").write_text(
        "configMapGenerator:\n- name: x\n  envs: [f.env]\n")
    assert reads_back_as_string(key) == (kubectl_kustomize(tmp_path).returncode == 0)


def test_generator_refuses_unreadable_label_key(ctx):
    with pytest.raises(ResourceError, match="key '1' cannot be written"):
        generate({"name": "x", "options": {"labels": {"1": "x"}}}, ctx)


def test_merge_refuses_an_old_quoted_key_it_rewrites():
    old = Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p"},
                    "data": {"true": "x"}})
    new = Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p"},
                    "data": {"a": "1"}})
    new.behavior = "merge"
    with pytest.raises(ResourceError, match="key 'true'"):
        absorb(ResMap([old]), ResMap([new]))


VALUES = ["\ta\nb", "\ta \nb", "\tb\n", "\t\n ", "\ta\nb ", "\t\x85\nb", "\t\u2028x\ny",
          "\t\ra\nb", "\ta\n\n", "\t \nb", "\t\ufeff\nb", "\t\x01\nb", "\t", "\t\n",
          "a\tb\nc", "\t\t\nx", "\n\ta", " \ta\nb", "\t#a\nb", "\ta\nb\t", "\té\nb"]


@pytest.mark.parametrize("value", VALUES)
def test_literal_blocks_agree_with_kubectl(kubectl_kustomize, value: str, tmp_path: Path) -> None:
    import json
    (tmp_path / "kustomization.yaml").write_text(json.dumps(
        {"configMapGenerator": [{"name": "x", "literals": [f"k={value}"]}]}))
    assert (not literal_block_breaks(value)) == (kubectl_kustomize(tmp_path).returncode == 0)


CONTROLS = ["\x7f", "a\x7fb", "\x00", "\x01", "\x1b", "\x80", "\x85", "\x9f", "\xa0", "\ufeff",
            "\ufffe", "\uffff", "\U0001F680", "a\nb\x7f", "\u2028"]


@pytest.mark.parametrize("text", CONTROLS)
@pytest.mark.parametrize("where", ["key", "value"])
def test_control_characters_agree_with_kubectl(kubectl_kustomize, text: str, where: str, tmp_path: Path, ctx):
    if where == "key":
        (tmp_path / "f.env").write_bytes(f"k{text}=1\n".encode())
        entry = {"name": "x", "envs": ["f.env"]}
    else:
        (tmp_path / "v.txt").write_bytes(text.encode())
        entry = {"name": "x", "files": ["k=v.txt"]}
    import json
    (tmp_path / "kustomization.yaml").write_text(json.dumps({"configMapGenerator": [entry]}))
    kubectl_ok = kubectl_kustomize(tmp_path).returncode == 0
    try:
        generate(entry, ctx)
        lamina_ok = True
    except ResourceError:
        lamina_ok = False
    assert lamina_ok == kubectl_ok


@pytest.mark.parametrize("literal", ["a=\x7f", "a=b\x9f", "a=\ufffe", "a=ok\x01"])
def test_secret_literals_with_raw_controls_agree_with_kubectl(kubectl_kustomize, literal, tmp_path: Path, ctx):
    import json
    entry = {"name": "s", "literals": [literal]}
    (tmp_path / "kustomization.yaml").write_text(
        json.dumps({"secretGenerator": [entry]}, ensure_ascii=False))
    kubectl_ok = kubectl_kustomize(tmp_path).returncode == 0
    try:
        generate(entry, ctx, "Secret")
        lamina_ok = True
    except ResourceError:
        lamina_ok = False
    assert lamina_ok == kubectl_ok
