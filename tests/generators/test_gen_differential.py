"""Generated ConfigMaps and Secrets, byte for byte against `kubectl kustomize`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.errors import LaminaError
from lamina.generators.absorb import absorb
from lamina.generators.configmap import merge_generator_options
from lamina.generators.hash_suffix import make_hash_transformer
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext
from lamina.yaml import dump_all, load

from tests.generators.gen_helpers import generate
from tests.helpers.loader import DirLoader

ENV_FILE = (b"\xef\xbb\xbfA=1\r\n  B = spaced value \n# comment\n\n=skipped\nNOVALUE\n"
            b"QUOTED=\"kept\"\nURL=http://x/y?a=b&c=<d>\n")

SCENARIOS = {
    "literals": """
configMapGenerator:
- name: lit
  literals: [a=1, "b=two words", "c='quoted'", "d=\\"x\\"", e=, "f=a=b", g=true, h=<&>]
""",
    "files-and-envs": """
configMapGenerator:
- name: files
  files: [data.txt, renamed=data.txt, bin=binary.dat, big.txt]
  envs: [app.env]
""",
    "secret": """
secretGenerator:
- name: sec
  literals: [user=admin, "pw=s3cr3t with spaces"]
  files: [tls.crt=data.txt, bin=binary.dat, big.txt]
- name: typed
  type: kubernetes.io/tls
  namespace: ns1
  literals: [tls.key=k, tls.crt=c]
- name: empty
""",
    "options": """
generatorOptions:
  labels: {team: a, shared: global}
  annotations: {note: hi}
  immutable: true
configMapGenerator:
- name: opt
  literals: [x=1]
  options:
    labels: {shared: local, own: yes-please}
    disableNameSuffixHash: true
- name: plain
  namespace: other
  env: app.env
secretGenerator:
- name: osec
  literals: [x=1]
""",
    "unicode": """
configMapGenerator:
- name: uni
  literals: ["greeting=héllo wörld ✓", "line=a\u2028b", "multi=one\\ntwo"]
  files: [multi=multiline.txt]
""",
    "disable-hash-global": """
generatorOptions:
  disableNameSuffixHash: true
configMapGenerator:
- name: nohash
  literals: [k=v]
  options: {disableNameSuffixHash: false}
""",
    "repeated-key": """
configMapGenerator:
- name: dup
  literals: [A=1]
  envs: [app.env]
""",
    "bad-literal": """
configMapGenerator:
- name: bad
  literals: [novalue]
""",
    "missing-name": """
secretGenerator:
- literals: [a=b]
""",
    "same-id-twice": """
configMapGenerator:
- name: twice
  literals: [a=b]
- name: twice
  namespace: default
  literals: [a=c]
""",
    "merge-in-same-kustomization": """
configMapGenerator:
- name: m
  literals: [a=1, b=2]
  options: {labels: {x: "1"}}
- name: m
  behavior: merge
  literals: [b=3, c=4]
  options: {labels: {w: "2"}, annotations: {z: "3"}}
- name: m2
  literals: [a=1]
- name: m2
  behavior: replace
  literals: [q=9]
""",
    "merge-missing": """
configMapGenerator:
- name: nothere
  behavior: merge
  literals: [a=1]
""",
}


def _write_tree(root: Path, kustomization: str) -> None:
    (root / "kustomization.yaml").write_text(kustomization)
    (root / "data.txt").write_text("line one\nline two\n")
    (root / "binary.dat").write_bytes(bytes(range(256)))
    (root / "big.txt").write_text("x" * 200)
    (root / "app.env").write_bytes(ENV_FILE)
    (root / "multiline.txt").write_text("  indented\nsecond\n")


def _lamina_build(root: Path) -> str:
    """The generator part of a build: entries in order, absorbed, hashed, sorted."""
    kust = load((root / "kustomization.yaml").read_text(), "kustomization.yaml")
    for entry in kust.get("configMapGenerator", []) + kust.get("secretGenerator", []):
        if "env" in entry:   # the kustomization reader folds the legacy field
            entry["envs"] = list(entry.get("envs") or []) + [entry.pop("env")]
    ctx = PluginContext(loader=DirLoader(str(root)), config=None)
    resmap = ResMap()
    for field, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for entry in kust.get(field, []):
            entry = dict(entry)
            entry["options"] = merge_generator_options(entry.get("options"),
                                                       kust.get("generatorOptions"))
            absorb(resmap, generate(entry, ctx, kind))
    make_hash_transformer({}, ctx).transform(resmap)
    return dump_all([r.obj for r in resmap])


def _documents(stream: str) -> list[str]:
    """The documents of a stream, sorted: resource order is the sort transformer's job."""
    return sorted(stream.split("---\n"))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_kubectl(kubectl_kustomize, name: str, tmp_path: Path) -> None:
    _write_tree(tmp_path, SCENARIOS[name])
    oracle = kubectl_kustomize(tmp_path)
    if oracle.returncode != 0:
        with pytest.raises(LaminaError):
            _lamina_build(tmp_path)
        return
    assert _documents(_lamina_build(tmp_path)) == _documents(oracle.stdout)
