"""ReplacementTransformer: sources, targets, options, typing, errors, and kubectl parity."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, LaminaError, ResourceError
from lamina.model.resid import Gvk, ResId
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import fieldpath, replacements
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config
from lamina.yaml import dump_all, load_all
from tests.helpers.loader import DirLoader
from tests.helpers.trees import write_tree


def ctx(root: Path) -> PluginContext:
    return PluginContext(loader=DirLoader(root), config=default_config())


def resmap(text: str) -> ResMap:
    return ResMap(Resource(d) for d in load_all(text, "test.yaml"))


def run(tmp_path: Path, resources: str, config_yaml: str) -> str:
    rm = resmap(resources)
    config = load_all(config_yaml, "config.yaml")[0]
    replacements.make(config, ctx(tmp_path)).transform(rm)
    return dump_all([r.obj for r in rm])


def out_docs(text: str) -> list:
    return load_all(text, "out.yaml")


BASE = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: src
data:
  num: "7"
  word: hello
  host: db.prod.svc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: app
        image: app:1
        env:
        - name: HOST
          value: placeholder
      - name: sidecar
        image: side:1
"""


def test_default_field_paths_copy_the_name(tmp_path):
    out = run(tmp_path, BASE, """
replacements:
- source: {kind: ConfigMap}
  targets:
  - select: {kind: Deployment}
""")
    assert out_docs(out)[1]["metadata"]["name"] == "src"


def test_list_selector_and_type_keeping(tmp_path):
    out = run(tmp_path, BASE, """
replacements:
- source: {kind: ConfigMap, name: src, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.replicas
    - spec.template.spec.containers.[name=app].env.[name=HOST].value
""")
    dep = out_docs(out)[1]
    assert dep["spec"]["replicas"] == 7          # the int field stays an int
    assert dep["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == "7"


def test_created_scalar_is_read_as_plain_yaml(tmp_path):
    out = run(tmp_path, BASE, """
replacements:
- source: {kind: ConfigMap, name: src, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.new.count]
    options: {create: true}
""")
    assert out_docs(out)[1]["spec"]["new"] == {"count": 7}


def test_delimiter_on_source_and_target(tmp_path):
    out = run(tmp_path, BASE, """
replacements:
- source: {kind: ConfigMap, fieldPath: data.host, options: {delimiter: ".", index: 1}}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=app].image
    options: {delimiter: ":", index: 0}
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=sidecar].image
    options: {delimiter: ":", index: 5}
  - select: {kind: ConfigMap}
    fieldPaths: [data.word]
    options: {delimiter: "-", index: -1}
""")
    cm, dep = out_docs(out)
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "prod:1"
    assert containers[1]["image"] == "side:1:prod"
    assert cm["data"]["word"] == "prod-hello"


def test_wildcard_and_unanchored_element_regex(tmp_path):
    out = run(tmp_path, BASE, """
replacements:
- source: {kind: ConfigMap, fieldPath: data.word}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.template.spec.containers.*.image]
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=car].name
""")
    containers = out_docs(out)[1]["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["hello", "hello"]
    # kyaml matches list selectors as unanchored regular expressions: "car" hits "sidecar".
    assert [c["name"] for c in containers] == ["app", "hello"]


def test_reject_by_id_and_by_label(tmp_path):
    resources = BASE + """
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web2
  labels: {skip: "yes"}
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web3
spec:
  replicas: 1
"""
    out = run(tmp_path, resources, """
replacements:
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: Deploy.*}
    reject:
    - labelSelector: skip=yes
    - name: web3
    fieldPaths: [spec.replicas]
""")
    reps = {d["metadata"]["name"]: d["spec"]["replicas"] for d in out_docs(out)[1:]}
    assert reps == {"web": 7, "web2": 1, "web3": 1}


def test_source_found_by_a_previous_name(tmp_path):
    rm = resmap(BASE)
    cm = rm[0]
    cm.remember_id()
    cm.name = "p-src"
    config = load_all("""
replacements:
- source: {kind: ConfigMap, name: src}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.template.spec.containers.0.env.0.value]
""", "c.yaml")[0]
    replacements.make(config, ctx(tmp_path)).transform(rm)
    assert rm[1].obj["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == "p-src"


def test_path_entries_single_and_list(tmp_path):
    write_tree(tmp_path, {
        "one.yaml": "source: {kind: ConfigMap, fieldPath: data.num}\n"
                    "targets:\n- select: {kind: Deployment}\n  fieldPaths: [spec.replicas]\n",
        "many.yaml": "- source: {kind: ConfigMap, fieldPath: data.word}\n"
                     "  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [metadata.name]\n",
    })
    out = run(tmp_path, BASE, "replacements:\n- path: one.yaml\n- path: many.yaml\n")
    dep = out_docs(out)[1]
    assert (dep["spec"]["replicas"], dep["metadata"]["name"]) == (7, "hello")


def test_structured_json_inside_a_string(tmp_path):
    resources = BASE + """
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  config.json: '{"db": {"host": "x", "port": 5432}}'
"""
    out = run(tmp_path, resources, r"""
replacements:
- source: {kind: ConfigMap, name: src, fieldPath: data.host}
  targets:
  - select: {kind: ConfigMap, name: app-config}
    fieldPaths: [data.config\.json.db.host]
""")
    assert out_docs(out)[2]["data"]["config.json"] == '{"db":{"host":"db.prod.svc","port":5432}}'


@pytest.mark.parametrize("config, message", [
    ("replacements:\n- source: {kind: Deployment, fieldPath: spec.nope}\n"
     "  targets: [{select: {kind: ConfigMap}}]\n", "is missing for replacement source"),
    ("replacements:\n- source: {version: v1}\n  targets: [{select: {kind: ConfigMap}}]\n",
     "multiple matches for selector"),
    ("replacements:\n- source: {kind: Secret}\n  targets: [{select: {kind: ConfigMap}}]\n",
     "nothing selected by"),
    ("replacements:\n- source: {kind: ConfigMap}\n"
     "  targets: [{select: {kind: Deployment}, fieldPaths: [spec.missing]}]\n",
     'unable to find field "spec.missing" in replacement target'),
    ("replacements:\n- source: {kind: ConfigMap, fieldPath: data.host, options: {delimiter: '.', index: 9}}\n"
     "  targets: [{select: {kind: Deployment}}]\n", "out of bounds"),
    ("replacements:\n- source: {kind: ConfigMap, fieldPath: data.word}\n"
     "  targets: [{select: {kind: Deployment}, fieldPaths: [spec.replicas]}]\n",
     "cannot decode !!str `hello` as a !!int"),
    ("replacements:\n- source: {kind: ConfigMap, fieldPath: data, options: {delimiter: ','}}\n"
     "  targets: [{select: {kind: Deployment}}]\n",
     "delimiter option can only be used with scalar nodes"),
])
def test_errors(tmp_path, config, message):
    with pytest.raises(ResourceError, match=message.replace("(", r"\(")):
        run(tmp_path, BASE, config)


@pytest.mark.parametrize("config, message", [
    ("replacements:\n- source: {kind: ConfigMap}\n", "must specify a source and at least one target"),
    ("replacements:\n- path: x.yaml\n  source: {kind: ConfigMap}\n", "both path and inline"),
    ("replacements:\n- source: {kind: ConfigMap}\n  targets: [{fieldPaths: [a]}]\n",
     "target must specify resources to select"),
    ("replacements:\n- path: scalar.yaml\n", "unsupported replacement type"),
])
def test_config_errors(tmp_path, config, message):
    write_tree(tmp_path, {"scalar.yaml": "just text\n"})
    with pytest.raises(KustomizationError, match=message):
        run(tmp_path, BASE, config)


@pytest.mark.parametrize("path, parts", [
    ("a.b.c", ["a", "b", "c"]),
    ("metadata.annotations.[example.com/x]", ["metadata", "annotations", "example.com/x"]),
    ("spec.containers.[name=a.b].image", ["spec", "containers", "[name=a.b]", "image"]),
    (r"data.config\.json", ["data", "config.json"]),
    (".a.b", ["a", "b"]),
])
def test_split(path, parts):
    assert fieldpath.split(path) == parts


_scalars = st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12), st.integers(-10**6, 10**6), st.booleans())


@settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), _scalars, min_size=1))
def test_replacing_a_field_with_its_own_value_is_a_no_op(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("noop")
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": data}
    rm = ResMap([Resource(obj)])
    before = dump_all([r.obj for r in rm])
    entries = [{"source": {"kind": "ConfigMap", "fieldPath": f"data.{k}"},
                "targets": [{"select": {"kind": "ConfigMap"}, "fieldPaths": [f"data.{k}"]}]}
               for k in data if data[k] != ""]
    replacements.make({"replacements": entries}, ctx(tmp)).transform(rm)
    assert dump_all([r.obj for r in rm]) == before


KUSTOMIZATION = """
resources:
- r.yaml
replacements:
- source: {kind: ConfigMap, name: src, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.replicas
    - spec.template.spec.containers.[name=app].env.[name=HOST].value
    - spec.template.spec.containers.[name=new].image
    options: {create: true}
- source: {kind: ConfigMap, name: src, fieldPath: data.host, options: {delimiter: ".", index: 0}}
  targets:
  - select: {name: web.*}
    reject: [{kind: ConfigMap}]
    fieldPaths: [metadata.annotations.host]
    options: {create: true, delimiter: "/", index: 3}
"""


def test_matches_kubectl(tmp_path, kubectl_kustomize):
    write_tree(tmp_path, {"kustomization.yaml": KUSTOMIZATION, "r.yaml": BASE})
    expected = kubectl_kustomize(tmp_path, check=True).stdout
    from lamina.kustomize.build import build, render
    try:
        got = render(build(str(tmp_path)))
    except LaminaError as e:  # pragma: no cover - shows the message when the core fails
        pytest.fail(str(e))
    assert got == expected


EMBEDDED = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: values
data:
  app: my-app
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: target
data:
  config.yaml: |-
    labels: {app: "REPLACE", version: "1.0.0"}
    spec:
      jobs:
      - name: "x"
        targets: ["localhost:9090"]
  config.json: |
    {
      "app": "REPLACE",  "n": 1
    }
"""

EMBEDDED_KUSTOMIZATION = r"""
resources: [r.yaml]
replacements:
- source: {kind: ConfigMap, name: values, fieldPath: data.app}
  targets:
  - select: {name: target}
    fieldPaths:
    - data.config\.yaml.labels.app
    - data.config\.yaml.spec.jobs.[name=x].name
    - data.config\.json.app
"""


def test_embedded_documents_match_kubectl(tmp_path, kubectl_kustomize):
    write_tree(tmp_path, {"kustomization.yaml": EMBEDDED_KUSTOMIZATION, "r.yaml": EMBEDDED})
    expected = kubectl_kustomize(tmp_path, check=True).stdout
    from lamina.kustomize.build import build, render
    assert render(build(str(tmp_path))) == expected
    assert "REPLACE" not in expected


def test_unknown_keys_refused_in_the_kustomization_field_only(tmp_path):
    entry = ("replacements:\n- source: {kind: ConfigMap, fieldPath: data.num}\n"
             "  targets:\n  - select: {kind: Deployment, apiVersion: v1}\n"
             "    fieldPaths: [spec.replicas]\n")
    with pytest.raises(KustomizationError, match='unknown field "apiVersion"'):
        run(tmp_path, BASE, entry)
    # A transformer config file (it carries kind/metadata) is read leniently, as Kustomize does.
    plugin = "kind: ReplacementTransformer\nmetadata: {name: r}\n" + entry
    assert out_docs(run(tmp_path, BASE, plugin))[1]["spec"]["replicas"] == 7


def test_lookup_is_exact_and_match_is_a_regex():
    obj = {"items": [{"name": "sidecar", "v": 1}, {"name": "car", "v": 2}], "s": "text"}
    assert fieldpath.lookup(obj, ["items", "[name=car]", "v"]) == 2
    assert fieldpath.lookup(obj, ["items", "-", "v"]) == 2
    assert fieldpath.lookup(obj, ["items", "5"]) is fieldpath.MISSING
    with pytest.raises(fieldpath.FieldPathError, match="wildcard"):
        fieldpath.lookup(obj, ["items", "*"])
    with pytest.raises(fieldpath.FieldPathError, match="expected MappingNode"):
        fieldpath.lookup(obj, ["s", "x"])
    slots = fieldpath.match(obj, ["items", "[name=car]", "v"])
    assert [c[k] for c, k in slots] == [1, 2]


def test_match_creates_what_is_missing():
    obj: dict = {}
    slots = fieldpath.match(obj, ["a", "[name=x]", "b", "0"], fieldpath.SCALAR)
    assert len(slots) == 1
    container, key = slots[0]
    container[key] = fieldpath.Scalar("42")
    assert fieldpath.finalize(obj) == {"a": [{"name": "x", "b": [42]}]}


_VALUES = st.sampled_from(["7", 7, "hello", "a.b.c", True, "true", 1.5, "", [1, 2], {"k": "v"}])
_TARGETS = {"ConfigMap": ["data.a", "data.b", "data.new", "metadata.annotations.x", "data"],
            "Deployment": ["spec.replicas", "spec.list.1", "spec.list.[=b]", "spec.objs.*.val",
                           "spec.objs.[name=o2].new", "spec.deep.er.x", "spec.list.3"]}
_SOURCES = {"ConfigMap": ["data.a", "data.b", "metadata.name"],
            "Deployment": ["spec.replicas", "spec.list.0", "spec.objs.[name=o1].val", "spec.map"]}


@st.composite
def replacement_trees(draw):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"},
          "data": {"a": draw(_VALUES), "b": draw(_VALUES)}}
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "dep"},
           "spec": {"replicas": 1, "list": ["a", "b", "c"], "map": {"k": draw(_VALUES)},
                    "objs": [{"name": "o1", "val": draw(_VALUES)}, {"name": "o2", "val": "x"}]}}
    entries = []
    for _ in range(draw(st.integers(1, 2))):
        sk, tk = draw(st.sampled_from(sorted(_SOURCES))), draw(st.sampled_from(sorted(_TARGETS)))
        target = {"select": {"kind": tk}, "fieldPaths": [draw(st.sampled_from(_TARGETS[tk]))]}
        options = {}
        if draw(st.booleans()):
            options["create"] = True
        if draw(st.integers(0, 5)) == 0:
            options.update(delimiter=".", index=draw(st.sampled_from([-1, 0, 2])))
        if options:
            target["options"] = options
        entries.append({"source": {"kind": sk, "fieldPath": draw(st.sampled_from(_SOURCES[sk]))},
                        "targets": [target]})
    return {"kustomization.yaml": dump_all([{"resources": ["r.yaml"], "replacements": entries}]),
            "r.yaml": dump_all([cm, dep])}


@settings(max_examples=15, deadline=None)
@given(files=replacement_trees())
def test_generated_replacements_match_kubectl(tmp_path_factory, kubectl_kustomize, files):
    root = write_tree(tmp_path_factory.mktemp("gen"), files)
    done = kubectl_kustomize(root)
    from lamina.kustomize.build import build, render
    try:
        got = render(build(str(root)))
    except LaminaError:
        assert done.returncode != 0, f"lamina failed where kubectl printed:\n{done.stdout}"
        return
    assert done.returncode == 0, f"kubectl failed where lamina succeeded: {done.stderr}"
    assert got == done.stdout
