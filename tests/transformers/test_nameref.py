"""Name-reference repair, unit cases plus a differential test against kubectl kustomize."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lamina.errors import ResourceError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers import namespace, prefix_suffix
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import default_config
from lamina.transformers.nameref import fix_name_references, same_ending
from lamina.yaml import dump_all, load_all
from tests.helpers.cli import run_lamina

CFG = default_config()
CTX = PluginContext(loader=None, config=CFG)

def resources(text: str) -> list[Resource]:
    return [Resource(d) for d in load_all(text, "in.yaml") if d is not None]


def prefix(rm, p: str) -> None:
    prefix_suffix.make_prefix({"prefix": p, "fieldSpecs": [fs.to_dict() for fs in CFG.name_prefix]},
                              CTX).transform(rm)


def suffix(rm, s: str) -> None:
    prefix_suffix.make_suffix({"suffix": s, "fieldSpecs": [fs.to_dict() for fs in CFG.name_suffix]},
                              CTX).transform(rm)


def set_namespace(rm, ns: str) -> None:
    namespace.make({"metadata": {"namespace": ns},
                    "fieldSpecs": [fs.to_dict() for fs in CFG.namespace]}, CTX).transform(rm)


def find(rm: ResMap, kind: str, name: str | None = None) -> dict:
    return next(r.obj for r in rm if r.kind == kind and (name is None or r.name == name))


APP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
      - name: c
        envFrom:
        - configMapRef: {name: cfg}
        - secretRef: {name: creds}
        env:
        - name: X
          valueFrom: {configMapKeyRef: {name: cfg, key: x}}
        - name: OTHER
          valueFrom: {configMapKeyRef: {name: not-ours, key: x}}
      volumes:
      - name: v
        secret: {secretName: creds}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules:
- resources: [configmaps]
  resourceNames: [cfg, unrelated]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: runner}
"""


def test_references_follow_prefix_and_suffix():
    rm = ResMap(resources(APP))
    prefix(rm, "p-")
    suffix(rm, "-s")
    fix_name_references(rm, CFG)
    spec = find(rm, "Deployment")["spec"]["template"]["spec"]
    c = spec["containers"][0]
    assert spec["serviceAccountName"] == "p-runner-s"
    assert c["envFrom"] == [{"configMapRef": {"name": "p-cfg-s"}}, {"secretRef": {"name": "p-creds-s"}}]
    assert [e["valueFrom"]["configMapKeyRef"]["name"] for e in c["env"]] == ["p-cfg-s", "not-ours"]
    assert spec["volumes"][0]["secret"]["secretName"] == "p-creds-s"
    assert find(rm, "Role")["rules"][0]["resourceNames"] == ["p-cfg-s", "unrelated"]
    rb = find(rm, "RoleBinding")
    assert rb["roleRef"]["name"] == "p-reader-s"
    assert rb["subjects"] == [{"kind": "ServiceAccount", "name": "p-runner-s"}]


def test_referrals_record_who_refers_to_them():
    rm = ResMap(resources(APP))
    prefix(rm, "p-")
    fix_name_references(rm, CFG)
    cm = next(r for r in rm if r.kind == "ConfigMap")
    assert {str(i.name) for i in cm.ref_by} == {"p-web", "p-reader"}


def test_namespace_change_is_written_into_subject_maps():
    rm = ResMap(resources(APP))
    set_namespace(rm, "team")
    fix_name_references(rm, CFG)
    rb = find(rm, "RoleBinding")
    assert rb["subjects"] == [{"kind": "ServiceAccount", "name": "runner", "namespace": "team"}]


def test_unrenamed_referral_leaves_reference_alone():
    rm = ResMap(resources(APP))
    fix_name_references(rm, CFG)
    assert [r.obj for r in rm] == [r.obj for r in resources(APP)]


def test_role_ref_kind_picks_between_role_and_cluster_role():
    rm = ResMap(resources("""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
"""))
    for res in rm:
        if res.kind == "ClusterRole":
            res.remember_id()
            res.name = "cluster-r"
        elif res.kind == "Role":
            res.remember_id()
            res.name = "ns-r"
    fix_name_references(rm, CFG)
    assert find(rm, "RoleBinding")["roleRef"]["name"] == "cluster-r"


def _two_bases(p1: str, p2: str) -> ResMap:
    """Two bases that each declare `cm` and a Pod using it, built with their own prefixes."""
    base = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: Pod
metadata: {name: pod}
spec:
  containers:
  - name: c
    envFrom: [{configMapRef: {name: cm}}]
"""
    a, b = ResMap(resources(base)), ResMap(resources(base))
    prefix(a, p1)
    prefix(b, p2)
    rm = ResMap()
    rm.append_all(a)
    rm.append_all(b)
    return rm


def test_diamond_each_referrer_picks_the_referral_with_its_own_prefixes():
    rm = _two_bases("a-", "b-")
    prefix(rm, "top-")
    fix_name_references(rm, CFG)
    pods = {r.name: r.obj for r in rm if r.kind == "Pod"}
    assert pods["top-a-pod"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "top-a-cm"
    assert pods["top-b-pod"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "top-b-cm"


def test_candidates_that_cannot_be_told_apart_are_an_error():
    # Two generated `cm`s in different namespaces, hashed to different names; a cluster-
    # scoped referrer sees both and nothing tells them apart (kubectl fails the same way).
    rm = ResMap(resources("""
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: ns1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: ns2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- resources: [configmaps]
  resourceNames: [cm]
"""))
    for i, res in enumerate(rm):
        if res.kind == "ConfigMap":
            res.remember_id()
            res.name = f"cm-h{i}"
    with pytest.raises(ResourceError, match="found multiple possible referrals: "
                                            "ConfigMap.v1.\\[noGrp\\]/cm-h0.ns1, ConfigMap"):
        fix_name_references(rm, CFG)


def test_unprefixed_referrer_ignores_candidates_from_prefixed_sets():
    rm = _two_bases("a-", "b-")
    rm.append(Resource(load_all("""
apiVersion: v1
kind: Pod
metadata: {name: loner}
spec:
  containers:
  - name: c
    envFrom: [{configMapRef: {name: cm}}]
""", "x.yaml")[0]))
    fix_name_references(rm, CFG)
    loner = find(rm, "Pod", "loner")
    assert loner["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "cm"


def test_same_ending():
    assert same_ending(["a", "b"], ["b"]) and same_ending(["b"], ["a", "b"])
    assert not same_ending(["a", "b"], ["a"])
    assert same_ending([], []) and not same_ending([], ["a"])


# ---- differential test against kubectl --------------------------------------------------

def _random_app(rng: random.Random) -> str:
    docs = [APP]
    for i in range(rng.randint(0, 3)):
        docs.append(f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: extra{i}}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: job{i}}}
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
      - name: c
        envFrom: [{{configMapRef: {{name: {rng.choice(['cfg', f'extra{i}', 'missing'])}}}}}]
      volumes:
      - name: v
        configMap: {{name: extra{i}}}
""")
    return "\n---\n".join(d.strip("\n") for d in docs)


@pytest.mark.parametrize("seed", range(4))
def test_prefix_suffix_namespace_and_references_match_kubectl(kubectl_kustomize, tmp_path: Path, seed: int):
    rng = random.Random(seed)
    text = _random_app(rng)
    ns = rng.choice(["", "team-a"])
    pre = rng.choice(["", "p-"])
    suf = rng.choice(["", "-s"])
    (tmp_path / "app.yaml").write_text(text)
    lines = ["resources:", "- app.yaml"]
    if ns:
        lines.append(f"namespace: {ns}")
    if pre:
        lines.append(f"namePrefix: {pre}")
    if suf:
        lines.append(f"nameSuffix: {suf}")
    (tmp_path / "kustomization.yaml").write_text("\n".join(lines) + "\n")
    built = kubectl_kustomize(tmp_path)
    assert built.returncode == 0, built.stderr
    out = built.stdout

    rm = ResMap(resources(text))
    if ns:
        set_namespace(rm, ns)
    if pre:
        prefix(rm, pre)
    if suf:
        suffix(rm, suf)
    fix_name_references(rm, CFG)

    def keyed(docs):
        return sorted(dump_all([d]) for d in docs)
    assert keyed(r.obj for r in rm) == keyed(load_all(out, "kubectl.yaml"))


# ---- whole builds: bases with their own prefixes/namespaces, references across them -----

_NAMES = ["one", "two", "gen"]


def _base_docs(rng: random.Random) -> list[str]:
    docs = []
    for kind in ("ConfigMap", "Secret", "ServiceAccount", "Service"):
        for name in _NAMES[:2]:
            if rng.random() < 0.6:
                docs.append(f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}}}")
    pick = lambda: rng.choice(_NAMES)  # noqa: E731
    docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: dep}}
spec:
  template:
    spec:
      serviceAccountName: {pick()}
      containers:
      - name: c
        envFrom: [{{configMapRef: {{name: {pick()}}}}}, {{secretRef: {{name: {pick()}}}}}]""")
    docs.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: rb}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects: [{{kind: ServiceAccount, name: {pick()}}}, {{kind: ServiceAccount, name: {pick()}, namespace: {rng.choice(['nx', 'ny'])}}}]""")
    return docs


def _kustomization(rng: random.Random, resources: list[str], generator: bool) -> str:
    lines = ["resources:", *[f"- {r}" for r in resources]]
    if rng.random() < 0.5:
        lines.append(f"namespace: {rng.choice(['nx', 'ny', 'nz'])}")
    if rng.random() < 0.7:
        lines.append(f"namePrefix: {rng.choice(['a-', 'b-'])}")
    if rng.random() < 0.4:
        lines.append(f"nameSuffix: {rng.choice(['-s', '-t'])}")
    if generator:
        lines += ["configMapGenerator:", "- name: gen", f"  literals: [k={rng.randint(0, 9)}]"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(6))
def test_builds_with_renamed_bases_match_kubectl(kubectl_kustomize, tmp_path: Path, seed: int):
    rng = random.Random(seed)
    bases = []
    for b in range(rng.randint(1, 2)):
        d = tmp_path / f"base{b}"
        d.mkdir()
        (d / "r.yaml").write_text("\n---\n".join(_base_docs(rng)) + "\n")
        (d / "kustomization.yaml").write_text(_kustomization(rng, ["r.yaml"], generator=True))
        bases.append(f"../base{b}")
    top = tmp_path / "top"
    top.mkdir()
    (top / "kustomization.yaml").write_text(_kustomization(rng, bases, generator=False))
    want = kubectl_kustomize(top)
    got = run_lamina("build", top)
    assert (got.returncode == 0) == (want.returncode == 0), (want.stderr, got.stderr)
    assert got.stdout == want.stdout
