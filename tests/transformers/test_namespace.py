"""NamespaceTransformer: which fields move, role-binding subjects, options, conflicts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import namespace
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config
from lamina.yaml import load_all

CTX = PluginContext(loader=None, config=default_config())
SPECS = [fs.to_dict() for fs in default_config().namespace]


def resmap(text: str) -> ResMap:
    return ResMap(Resource(d) for d in load_all(text, "in.yaml") if d is not None)


def run(text: str, ns: str = "prod", **opts) -> ResMap:
    rm = resmap(text)
    namespace.make({"metadata": {"namespace": ns}, "fieldSpecs": SPECS, **opts}, CTX).transform(rm)
    return rm


def by_kind(rm: ResMap) -> dict[str, dict]:
    return {r.kind: r.obj for r in rm}


MIXED = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: Namespace
metadata: {name: old}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: example.com/v1
kind: Namespace
metadata: {name: not-core}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crd}
spec:
  conversion:
    webhook:
      clientConfig:
        service: {name: hook, namespace: elsewhere}
"""


def test_namespaced_kinds_move_cluster_scoped_do_not():
    rm = run(MIXED)
    objs = {r.obj["metadata"]["name"]: r.obj for r in rm}
    assert objs["cm"]["metadata"]["namespace"] == "prod"
    assert "namespace" not in objs["reader"]["metadata"]
    # a core Namespace is renamed; one from another API group is just namespaced
    assert "prod" in objs and "namespace" not in objs["prod"]["metadata"]
    assert objs["not-core"]["metadata"] == {"name": "not-core", "namespace": "prod"}
    assert objs["crd"]["spec"]["conversion"]["webhook"]["clientConfig"]["service"]["namespace"] == "prod"


def test_every_resource_remembers_its_previous_id():
    rm = run(MIXED)
    for r in rm:
        assert len(r.previous_ids) == 1
    cm = next(r for r in rm if r.kind == "ConfigMap")
    assert cm.org_id.namespace == "" and cm.cur_id.namespace == "prod"


def test_empty_namespace_is_a_no_op():
    rm = run(MIXED, ns="")
    assert all(not r.previous_ids for r in rm)
    assert "namespace" not in next(r for r in rm if r.kind == "ConfigMap").obj["metadata"]


BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: old}
subjects:
- {kind: ServiceAccount, name: default, namespace: old}
- {kind: ServiceAccount, name: builder}
- {kind: User, name: default}
- {kind: Group, name: devs}
"""


@pytest.mark.parametrize("mode, expected", [
    (None, ["prod", None, "prod", None]),
    ("defaultOnly", ["prod", None, "prod", None]),
    ("allServiceAccounts", ["prod", "prod", None, None]),
    ("none", ["old", None, None, None]),
])
def test_role_binding_subjects(mode, expected):
    opts = {"setRoleBindingSubjects": mode} if mode else {}
    rb = by_kind(run(BINDING, **opts))["RoleBinding"]
    assert [s.get("namespace") for s in rb["subjects"]] == expected
    assert rb["metadata"]["namespace"] == "prod"


def test_bad_role_binding_mode_is_a_config_error():
    with pytest.raises(KustomizationError, match="setRoleBindingSubjects"):
        run(BINDING, setRoleBindingSubjects="some")


def test_unset_only_keeps_existing_namespaces():
    rm = run("""
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: keep}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
""", unsetOnly=True)
    assert [r.namespace for r in rm] == ["keep", "prod"]


def test_moving_two_same_named_objects_together_is_a_conflict():
    with pytest.raises(ResourceError, match="ID conflict"):
        run("""
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: y}
""")


def test_field_spec_on_a_map_must_target_a_scalar():
    rm = resmap("""
apiVersion: v1
kind: Thing
metadata: {name: t}
spec: {ns: {a: b}}
""")
    t = namespace.make({"metadata": {"namespace": "p"},
                        "fieldSpecs": [{"path": "spec/ns", "kind": "Thing"}]}, CTX)
    with pytest.raises(ResourceError, match="must target scalar nodes"):
        t.transform(rm)


def test_helm_generated_resources_are_left_alone():
    rm = run("""
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  annotations: {kustomize.config.k8s.io/helm-generated: "true"}
""")
    assert rm[0].namespace == "" and not rm[0].previous_ids


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["ConfigMap", "Secret", "Service", "ClusterRole", "PersistentVolume"]),
                min_size=1, max_size=5, unique=True),
       st.sampled_from(["a", "team-b"]))
def test_applying_a_namespace_twice_changes_nothing_more(kinds, ns):
    docs = "\n---\n".join(
        f"apiVersion: {'rbac.authorization.k8s.io/v1' if k == 'ClusterRole' else 'v1'}\n"
        f"kind: {k}\nmetadata: {{name: x}}" for k in kinds)
    once = run(docs, ns=ns)
    first = [r.obj for r in once]
    namespace.make({"metadata": {"namespace": ns}, "fieldSpecs": SPECS}, CTX).transform(once)
    assert [r.obj for r in once] == first
