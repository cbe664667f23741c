"""ImageTagTransformer: name matching, reference splitting, both passes, and kubectl parity."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import annotations, images, labels, replicas
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config
from tests.helpers.cli import run_lamina

CTX = PluginContext(loader=None, config=default_config())

def resmap(text: str) -> ResMap:
    return ResMap(Resource(d) for d in yaml.safe_load_all(text) if d is not None)


def image_transformer(**entry) -> images.ImageTagTransformer:
    return images.make({"imageTag": entry, "fieldSpecs": [fs.to_dict() for fs in default_config().images]}, CTX)


def run(text: str, **entry) -> list[dict]:
    rm = resmap(text)
    image_transformer(**entry).transform(rm)
    return [r.obj for r in rm]


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: i
    image: nginx
  containers:
  - name: a
    image: nginx:1.7@sha256:abc
  - name: b
    image: my.reg:5000/nginx:2
  - name: c
    image: nginx-extra:1
  volumes:
  - name: v
    image:
      reference: nginx:3
"""


@pytest.mark.parametrize("ref, parts", [
    ("nginx", ("nginx", "", "")),
    ("nginx:1.2.3", ("nginx", "1.2.3", "")),
    ("nginx@sha256:12345", ("nginx", "", "sha256:12345")),
    ("nginx:1.2.3@sha256:12345", ("nginx", "1.2.3", "sha256:12345")),
    ("docker.io/nginx:1.2.3", ("docker.io/nginx", "1.2.3", "")),
    ("foo.com:443/nginx:1.2.3", ("foo.com:443/nginx", "1.2.3", "")),
    ("foo.com:443/nginx:1.2.3@sha256:12345", ("foo.com:443/nginx", "1.2.3", "sha256:12345")),
    ("foo.com:443/nginx", ("foo.com:443/nginx", "", "")),
    ("nginx@sha256:ab:cd", ("nginx", "", "sha256:ab:cd")),
])
def test_split_image(ref, parts):
    assert images.split_image(ref) == parts


@settings(max_examples=200, deadline=None)
@given(name=st.from_regex(r"[a-z][a-z0-9]{0,5}(/[a-z0-9]{1,4}){0,2}", fullmatch=True),
       host=st.sampled_from(["", "reg.io/", "reg.io:5000/"]),
       tag=st.sampled_from(["", ":1", ":v1.2-rc"]), digest=st.sampled_from(["", "@sha256:ab12"]))
def test_split_then_join_gives_back_the_reference(name, host, tag, digest):
    ref = host + name + tag + digest
    n, t, d = images.split_image(ref)
    assert (n, t, d) == (host + name, tag[1:], digest[1:])


@pytest.mark.parametrize("name, ref, hit", [
    ("nginx", "nginx", True), ("nginx", "nginx:12345", True), ("nginx", "nginx@sha256:xyz", True),
    ("nginx", "nginx:12345@sha256:xyz", True), ("nginx", "apache:12345", False),
    ("nginx", "nginx-extra", False), ("nginx", "my.reg/nginx", False), ("nginx", "nginx:1\n", False),
    ("ngin.", "nginx:1", True), ("nginx", "nginx@md5:x", False), ("nginx", "nginx:{{.Tag}}", True),
])
def test_name_is_a_regular_expression_for_the_name_part(name, ref, hit):
    assert (images.compile_name(name).search(ref) is not None) is hit


def test_invalid_name_regexp_is_a_clear_error():
    with pytest.raises(KustomizationError, match="not a valid regular expression"):
        image_transformer(name="[", newTag="v2")


@pytest.mark.parametrize("entry, a, b, i", [
    ({"newTag": "9"}, "nginx:9", "my.reg:5000/nginx:2", "nginx:9"),
    ({"digest": "sha256:ff"}, "nginx@sha256:ff", "my.reg:5000/nginx:2", "nginx@sha256:ff"),
    ({"newTag": "9", "digest": "sha256:ff"}, "nginx:9@sha256:ff", "my.reg:5000/nginx:2", "nginx:9@sha256:ff"),
    ({"newName": "other"}, "other:1.7@sha256:abc", "my.reg:5000/nginx:2", "other"),
    # A tagSuffix drops the digest, and both passes reach containers, so it lands twice.
    ({"tagSuffix": "-x"}, "nginx:1.7-x-x", "my.reg:5000/nginx:2", "nginx:-x-x"),
])
def test_entry_combinations(entry, a, b, i):
    out = run(POD, name="nginx", **entry)[0]["spec"]
    assert out["containers"][0]["image"] == a
    assert out["containers"][1]["image"] == b
    assert out["containers"][2]["image"] == "nginx-extra:1"
    assert out["initContainers"][0]["image"] == i


def test_image_volumes_are_reached_by_field_specs():
    out = run(POD, name="nginx", newTag="9")[0]["spec"]
    assert out["volumes"][0]["image"]["reference"] == "nginx:9"


def test_registry_with_port_matches_when_named_in_full():
    out = run(POD, name="my.reg:5000/nginx", newName="x/y")[0]["spec"]
    assert out["containers"][1]["image"] == "x/y:2"


def test_legacy_pass_finds_containers_anywhere_but_not_in_crds():
    text = """
apiVersion: example.com/v1
kind: Foo
metadata: {name: f}
spec:
  deep:
    list:
    - containers:
      - image: nginx:1
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: c}
spec:
  containers:
  - image: nginx:1
"""
    foo, crd = run(text, name="nginx", newTag="2")
    assert foo["spec"]["deep"]["list"][0]["containers"][0]["image"] == "nginx:2"
    assert crd["spec"]["containers"][0]["image"] == "nginx:1"


def test_non_scalar_image_is_an_error():
    with pytest.raises(ResourceError, match="expected ScalarNode but got MappingNode"):
        run("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: {a: b}\n",
            name="nginx", newTag="2")


def test_null_and_missing_images_are_left_alone():
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: null\n  - name: x\n"
    assert run(text, name="nginx", newTag="2")[0]["spec"]["containers"] == [{"image": None}, {"name": "x"}]


def test_numeric_image_is_matched_by_its_text():
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: 123\n  - image: 7\n"
    assert run(text, name="123", newName="num")[0]["spec"]["containers"] == [{"image": "num"}, {"image": 7}]


def test_new_text_is_read_as_a_plain_yaml_scalar():
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: nginx\n"
    got = {new: run(text, name="nginx", newName=new)[0]["spec"]["containers"][0]["image"]
           for new in ("1e3", "true", "null", "yes", "2001-12-14", "x/y")}
    assert got == {"1e3": 1000.0, "true": True, "null": None, "yes": "yes",
                   "2001-12-14": "2001-12-14T00:00:00Z", "x/y": "x/y"}


@pytest.mark.parametrize("field, value", [("newTag", 1.0), ("newTag", 1), ("name", True)])
def test_non_string_entry_values_are_refused(field, value):
    with pytest.raises(KustomizationError, match="must be a string"):
        image_transformer(**{"name": "nginx", field: value})


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(["nginx", "busybox", "my.reg:5000/nginx"]))
def test_entry_without_changes_changes_nothing(name):
    before = list(yaml.safe_load_all(POD))
    assert run(POD, name=name) == before


# ---- differential test against kubectl kustomize ------------------------------------

WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]
IMAGE_NAMES = ["nginx", "busybox", "reg.io:5000/app"]


@st.composite
def trees(draw):
    n = draw(st.integers(1, 3))
    docs = []
    for i in range(n):
        kind = draw(st.sampled_from(WORKLOAD_KINDS))
        image = draw(st.sampled_from(IMAGE_NAMES)) + draw(st.sampled_from(["", ":1", ":2@sha256:aa"]))
        doc = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": f"w{i}"},
               "spec": {"selector": {"matchLabels": {"app": f"w{i}"}},
                        "template": {"metadata": {"labels": {"app": f"w{i}"}},
                                     "spec": {"containers": [{"name": "c", "image": image}]}}}}
        if draw(st.booleans()):
            doc["spec"]["replicas"] = 1
        docs.append(doc)
    docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
                 "spec": {"ports": [{"port": 80}]}})
    common = draw(st.dictionaries(st.sampled_from(["team", "app.kubernetes.io/part-of", "env"]),
                                  st.sampled_from(["a", "b-1", ""]), max_size=2))
    annos = draw(st.dictionaries(st.sampled_from(["note", "example.com/x"]), st.sampled_from(["x", "y z"]),
                                 max_size=2))
    entries = draw(st.lists(st.fixed_dictionaries({"name": st.sampled_from(IMAGE_NAMES)}, optional={
        "newName": st.sampled_from(["other", "reg.io/x"]), "newTag": st.sampled_from(["9", "v2"]),
        "digest": st.just("sha256:ff"), "tagSuffix": st.just("-s")}), max_size=2))
    reps = [{"name": d["metadata"]["name"], "count": draw(st.integers(0, 5))}
            for d in docs if d["kind"] in ("Deployment", "StatefulSet", "ReplicaSet") and draw(st.booleans())]
    return docs, common, annos, entries, reps


def lamina_like(docs, common, annos, entries, reps) -> list[dict]:
    """The transformer part of a build, in Kustomize's order for these fields."""
    cfg = default_config()
    rm = ResMap(Resource(copy.deepcopy(d)) for d in docs)
    steps = [labels.make({"labels": common, "fieldSpecs": list(cfg.common_labels)}, CTX),
             annotations.make({"annotations": annos, "fieldSpecs": list(cfg.common_annotations)}, CTX)]
    steps += [replicas.make({"replica": r, "fieldSpecs": list(cfg.replicas)}, CTX) for r in reps]
    steps += [images.make({"imageTag": e, "fieldSpecs": list(cfg.images)}, CTX) for e in entries]
    for step in steps:
        step.transform(rm)
    return [r.obj for r in rm]


def by_id(objs: list[dict]) -> dict:
    return {(o["kind"], o["metadata"]["name"]): o for o in objs}


@settings(max_examples=20, deadline=None)
@given(case=trees())
def test_matches_kubectl_kustomize(kubectl_kustomize, tmp_path_factory, case):
    docs, common, annos, entries, reps = case
    root = tmp_path_factory.mktemp("tree")
    (root / "res.yaml").write_text(yaml.safe_dump_all(docs))
    kust = {"resources": ["res.yaml"], "commonLabels": common, "commonAnnotations": annos,
            "images": entries, "replicas": reps}
    (root / "kustomization.yaml").write_text(yaml.safe_dump(kust))
    out = kubectl_kustomize(root)
    assert out.returncode == 0, out.stderr
    expected = [d for d in yaml.safe_load_all(out.stdout) if d is not None]
    assert by_id(lamina_like(docs, common, annos, entries, reps)) == by_id(expected)


# ---- end to end: `lamina build` prints kubectl's bytes ---------------------------------



@st.composite
def kustomizations(draw):
    docs, common, annos, entries, reps = draw(trees())
    kust: dict = {"resources": ["res.yaml"]}
    if common:
        kust["commonLabels"] = common
    if annos:
        kust["commonAnnotations"] = annos
    if entries:
        kust["images"] = entries
    if reps:
        kust["replicas"] = reps
    if draw(st.booleans()):
        kust["namePrefix"] = "p-"
    label_entries = draw(st.lists(st.fixed_dictionaries(
        {"pairs": st.dictionaries(st.sampled_from(["l1", "l2", "team"]), st.sampled_from(["v", ""]),
                                  min_size=1, max_size=2)},
        optional={"includeSelectors": st.booleans(), "includeTemplates": st.booleans()}), max_size=2))
    if label_entries:
        kust["labels"] = label_entries
    return docs, kust


@settings(max_examples=15, deadline=None)
@given(case=kustomizations())
def test_lamina_build_prints_kubectl_bytes(kubectl_kustomize, tmp_path_factory, case):
    docs, kust = case
    root = tmp_path_factory.mktemp("tree")
    (root / "res.yaml").write_text(yaml.safe_dump_all(docs))
    (root / "kustomization.yaml").write_text(json.dumps(kust))
    want = kubectl_kustomize(root)
    got = run_lamina("build", root)
    assert (got.returncode == 0) == (want.returncode == 0), (got.stderr, want.stderr)
    assert got.stdout == want.stdout
