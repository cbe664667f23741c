"""Policy results kept across runs (policies/results.py): the same findings cold and warm, a
warm run evaluates nothing, an entry answers only for its own key, LAMINA_NO_CACHE reads
and writes nothing, and nothing about a Secret is written."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest

from lamina.api.check import CheckOptions, check
from lamina.policies import gatekeeper, kyverno, results, vap
from lamina.store import cachefile
from tests.helpers.trees import write_tree

pytest.importorskip("regorus", reason="the lamina[policy] extra is not installed")

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
  labels: {app: NAME}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers:
      - name: web
        image: nginx:latest
"""

POLICIES = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: few-replicas}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= 2"
    messageExpression: "'replicas ' + string(object.spec.replicas) + ' > 2'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: few-replicas}
spec: {policyName: few-replicas, validationActions: [Deny]}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: disallow-latest-tag}
spec:
  validationFailureAction: Audit
  rules:
  - name: validate-image-tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "no latest"
      pattern: {spec: {containers: [{image: "!*:latest"}]}}
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8srequiredlabels}
spec:
  crd: {spec: {names: {kind: K8sRequiredLabels}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8srequiredlabels
      violation[{"msg": msg}] {
        not input.review.object.metadata.labels.team
        msg := sprintf("%v has no team label", [input.review.object.metadata.name])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: team}
spec:
  enforcementAction: warn
  match: {kinds: [{apiGroups: [apps], kinds: [Deployment]}]}
"""


def _deploy(name: str, replicas: int) -> str:
    return DEPLOY.replace("NAME", name).replace("REPLICAS", str(replicas))


def _project(tmp_path: Path, prod_replicas: int = 3) -> Path:
    return write_tree(tmp_path / "p", {
        "base/kustomization.yaml": "resources: [web.yaml, api.yaml]\n",
        "base/web.yaml": _deploy("web", 1),
        "base/api.yaml": _deploy("api", 3),
        "overlays/dev/kustomization.yaml": "namespace: dev\nresources: [../../base]\n",
        "overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base]\n"
                                            "patches:\n- path: replicas.yaml\n",
        "overlays/prod/replicas.yaml": _deploy("web", prod_replicas).split("  selector:")[0],
        "lamina.yaml": "policies: [policies]\n",
        "policies/all.yaml": POLICIES,
    })


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LAMINA_NO_CACHE", raising=False)
    return tmp_path / "cache" / "lamina" / "policies"


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each engine evaluated a policy over an object (not remembered)."""
    counts = {"vap": 0, "kyverno": 0, "gatekeeper": 0}

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper
    monkeypatch.setattr(vap, "_one", counted("vap", vap._one))
    monkeypatch.setattr(kyverno, "_one", counted("kyverno", kyverno._one))
    monkeypatch.setattr(gatekeeper, "_messages", counted("gatekeeper", gatekeeper._messages))
    return counts


def _findings(root: Path) -> list[tuple[Any, ...]]:
    """The admission-policy findings of a run that starts with nothing in memory (as a new
    process does: only the cache store can answer)."""
    results._PROCESS.clear()
    found = check(CheckOptions(project_dir=str(root), jobs=1)).findings
    return [(f.environment, f.resource, f.level, f.message, str(f.source)) for f in found
            if f.check == "admission-policy"]


def _packs(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_warm_run_gives_the_same_findings_and_evaluates_nothing(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path)
    cold = _findings(root)
    assert {f[3].split(": ", 1)[1] for f in cold} >= {"replicas 3 > 2", "no latest validation error: "
                                                       "rule failed at path /spec/containers/0/image",
                                                       "web has no team label"}
    assert all(evaluations.values())
    assert len(_packs(cache)) == 2                # one pack per target
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _findings(root) == cold
    assert set(evaluations.values()) == {0}


def test_a_changed_object_alone_is_evaluated_again(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path)
    _findings(root)
    _project(tmp_path, prod_replicas=5)           # prod's web changes; nothing else does
    evaluations.update(dict.fromkeys(evaluations, 0))
    warm = _findings(root)
    assert evaluations["vap"] == 1                # only the changed replicas are read by it
    assert ("prod", "Deployment/prod/web", "error",
            "ValidatingAdmissionPolicy/few-replicas (validations[0]): replicas 5 > 2",
            "base/web.yaml:1") in warm
    assert warm == _no_cache(root)


def _no_cache(root: Path) -> list[tuple[Any, ...]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAMINA_NO_CACHE", "1")
        return _findings(root)


def test_no_cache_reads_and_writes_nothing(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path)
    first = _no_cache(root)
    assert not cache.exists()
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _no_cache(root) == first
    assert all(evaluations.values())              # nothing remembered between the runs


def test_a_damaged_pack_is_ignored_and_replaced(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path)
    cold = _findings(root)
    for pack in _packs(cache):
        data = bytearray(pack.read_bytes())
        data[-3] ^= 0xFF
        pack.write_bytes(bytes(data))
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _findings(root) == cold
    assert all(evaluations.values())
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _findings(root) == cold and set(evaluations.values()) == {0}   # written afresh


def test_a_pack_in_another_targets_place_answers_nothing(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path, prod_replicas=5)
    cold = _findings(root)
    dev, prod = (results._location(str(root), env)[0] for env in ("dev", "prod"))
    Path(prod).write_bytes(Path(dev).read_bytes())
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _findings(root) == cold
    assert evaluations["vap"] == 1      # prod's web (5 replicas): dev's results are no answer


def _rewrite(root: Path, env: str, change: Any) -> None:
    """Write `env`'s pack again, correctly bound and stamped, with its entries changed."""
    path, bound = results._location(str(root), env)
    payload = cachefile.read_entry(path, results._MAGIC, bound)
    assert payload is not None
    stamp, entries = marshal.loads(payload)
    cachefile.write_entry(path, results._MAGIC, bound, marshal.dumps((stamp, change(entries))))


def test_an_entry_answers_only_for_its_own_key(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path)
    cold = _findings(root)
    for env in ("dev", "prod"):     # every result moved under another key: all are misses
        _rewrite(root, env, lambda entries: {tuple(bytes(b ^ 1 for b in part) for part in k): v
                                             for k, v in entries.items()})
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _findings(root) == cold
    assert all(evaluations.values())


def test_an_entry_of_the_wrong_shape_or_another_stamp_is_not_used(
        tmp_path: Path, cache: Path, evaluations: dict[str, int]) -> None:
    root = _project(tmp_path)
    cold = _findings(root)
    _rewrite(root, "dev", lambda entries: dict.fromkeys(entries, 42))
    path, bound = results._location(str(root), "prod")
    payload = cachefile.read_entry(path, results._MAGIC, bound)
    assert payload is not None
    _stamp, entries = marshal.loads(payload)
    cachefile.write_entry(path, results._MAGIC, bound, marshal.dumps(("older lamina", entries)))
    evaluations.update(dict.fromkeys(evaluations, 0))
    assert _findings(root) == cold
    assert all(evaluations.values())


SECRET_POLICY = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-data}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [secrets]}
  validations:
  - expression: "!has(object.data)"
    messageExpression: "'leaks ' + object.data.password"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-data}
spec: {policyName: no-data, validationActions: [Deny]}
"""


def test_results_about_a_secret_are_never_written(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path)
    value = "c3VwZXItc2VjcmV0LXZhbHVl"
    write_tree(root, {"base/kustomization.yaml": "resources: [web.yaml, api.yaml, secret.yaml]\n",
                      "base/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
                                          f"data: {{password: {value}}}\n",
                      "policies/secret.yaml": SECRET_POLICY})
    found = _findings(root)
    assert any(f"leaks {value}" in f[3] for f in found)
    assert _packs(cache)
    assert not any(value.encode() in p.read_bytes() for p in _packs(cache))
