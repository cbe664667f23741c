"""Differential tests: our strategic merge against `kubectl kustomize` on the same inputs."""

from __future__ import annotations

import pytest

from lamina.patch.strategic import apply_strategic_merge
from lamina.yaml import dump_all, load_all


_DEP_HEAD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
"""

# (resource spec.template.spec body, patch spec.template.spec body), both indented 6.
SCENARIOS = {
    "env-order": (
        """      containers:
      - name: a
        image: a
        env: [{name: A, value: "1"}, {name: B, value: "2"}, {name: C, value: "3"}]
""",
        """      containers:
      - name: a
        env: [{name: NEW1, value: n}, {name: B, value: "22"}, {name: NEW2, value: n}]
"""),
    "element-replace-is-ignored": (
        """      containers:
      - {name: a, image: a, args: [x]}
      - {name: b, image: b}
""",
        """      containers:
      - {name: a, image: a2, $patch: replace}
      - {name: new, image: n}
"""),
    "element-delete": (
        """      containers:
      - {name: a, image: a}
      - {name: b, image: b}
""",
        """      containers:
      - {name: a, $patch: delete}
"""),
    "list-replace": (
        """      volumes:
      - {name: v1, emptyDir: {}}
      - {name: v2, emptyDir: {}}
""",
        """      volumes:
      - $patch: replace
      - {name: v3, emptyDir: {}}
"""),
    "list-delete": (
        """      volumes:
      - {name: v1, emptyDir: {}}
      containers: [{name: a, image: a}]
""",
        """      volumes:
      - $patch: delete
"""),
    "ports-multi-key": (
        """      containers:
      - name: a
        ports:
        - {containerPort: 80, protocol: TCP, name: http}
        - {containerPort: 81, protocol: UDP}
        - {containerPort: 82}
""",
        """      containers:
      - name: a
        ports:
        - {containerPort: 80, name: web}
        - {containerPort: 82, protocol: UDP}
        - {containerPort: 90, protocol: TCP}
"""),
    "element-without-key": (
        """      containers:
      - {name: a, image: a}
      - {}
      - {image: nokey}
""",
        """      containers:
      - {name: a, image: a2}
"""),
    "null-deletes-and-atomic-lists": (
        """      tolerations: [{key: a}, {key: b}]
      nodeSelector: {a: b, c: d}
      dnsPolicy: Default
      containers: [{name: a, image: a, args: [x, y]}]
""",
        """      tolerations: [{key: c}]
      nodeSelector: {a: null, e: f}
      dnsPolicy: null
      containers: [{name: a, args: [z]}]
"""),
    "directive-map-replace-and-delete": (
        """      securityContext: {runAsUser: 1, fsGroup: 2}
      affinity: {nodeAffinity: {x: 1}}
      containers: [{name: a, image: a}]
""",
        """      securityContext: {runAsGroup: 3, $patch: replace}
      affinity: {$patch: delete}
"""),
    "new-subtree-with-nulls-and-directives": (
        """      containers: [{name: a, image: a}]
""",
        """      initContainers:
      - {name: i, image: i, command: null}
      - {name: j, $patch: delete}
      hostAliases: {$patch: merge}
"""),
    "primitive-merge-list": (
        """      containers: [{name: a, image: a}]
      readinessGates: [{conditionType: x}]
""",
        """      readinessGates: [{conditionType: y}]
"""),
    "unknown-directives-copied": (
        """      containers: [{name: a, image: a}, {name: b, image: b}]
      finalizers: [x, y]
""",
        """      $setElementOrder/containers: [{name: b}, {name: a}]
      $retainKeys: [containers]
      finalizers: [z]
"""),
}


def _kubectl(kubectl_kustomize, tmp_path, resource: str, patch: str) -> str:
    (tmp_path / "dep.yaml").write_text(resource)
    (tmp_path / "p.yaml").write_text(patch)
    (tmp_path / "kustomization.yaml").write_text("resources: [dep.yaml]\npatches:\n- path: p.yaml\n")
    proc = kubectl_kustomize(tmp_path)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_kubectl(tmp_path, name, kubectl_kustomize):
    res_body, patch_body = SCENARIOS[name]
    resource, patch = _DEP_HEAD + res_body, _DEP_HEAD + patch_body
    expected = _kubectl(kubectl_kustomize, tmp_path, resource, patch)
    got = apply_strategic_merge(load_all(resource, "dep.yaml")[0], load_all(patch, "p.yaml")[0])
    assert dump_all([got]) == expected


# ---- generated Deployments and patches --------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.sampled_from(["a", "b", "c", "d"])
_env = st.lists(st.fixed_dictionaries({"name": _names}, optional={"value": st.sampled_from(["1", "x"])}),
                max_size=3)
_ports = st.lists(st.fixed_dictionaries({"containerPort": st.sampled_from([80, 81, 82])},
                                        optional={"protocol": st.sampled_from(["TCP", "UDP"]),
                                                  "name": _names}),
                  max_size=3)
_container = st.fixed_dictionaries(
    {"name": _names},
    optional={"image": _names, "env": _env, "ports": _ports, "args": st.lists(_names, max_size=2),
              "$patch": st.sampled_from(["delete", "replace", "merge"])})
_volumes = st.lists(st.fixed_dictionaries({"name": _names},
                                          optional={"emptyDir": st.just({}),
                                                    "hostPath": st.fixed_dictionaries({"path": _names})}),
                    max_size=3)
_spec = st.fixed_dictionaries(
    {},
    optional={"containers": st.lists(_container, max_size=3), "volumes": _volumes,
              "nodeSelector": st.dictionaries(_names, st.one_of(_names, st.none()), max_size=2),
              "dnsPolicy": st.one_of(_names, st.none())})


def _strip_directives(spec: dict) -> dict:
    return {k: ([{ck: cv for ck, cv in c.items() if ck != "$patch"} for c in v]
                if k == "containers" else v)
            for k, v in spec.items()
            if k != "dnsPolicy" or v is not None}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(res_spec=_spec, patch_spec=_spec)
def test_generated_patches_match_kubectl(tmp_path_factory, kubectl_kustomize, res_spec, patch_spec):
    import json
    tmp_path = tmp_path_factory.mktemp("gen")
    res_spec = _strip_directives(res_spec)
    res_spec["nodeSelector"] = {k: v for k, v in res_spec.get("nodeSelector", {}).items() if v}
    head = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    resource = {**head, "spec": {"template": {"spec": res_spec}}}
    patch = {**head, "spec": {"template": {"spec": patch_spec}}}
    (tmp_path / "dep.yaml").write_text(json.dumps(resource))
    (tmp_path / "p.yaml").write_text(json.dumps(patch))
    (tmp_path / "kustomization.yaml").write_text("resources: [dep.yaml]\npatches:\n- path: p.yaml\n")
    proc = kubectl_kustomize(tmp_path)
    try:
        got = apply_strategic_merge(resource, patch)
    except Exception as exc:   # noqa: BLE001 - compared with the oracle's failure below
        assert proc.returncode != 0, f"lamina failed ({exc}) where kubectl succeeded"
        return
    assert proc.returncode == 0, proc.stderr
    assert dump_all([got]) == proc.stdout
