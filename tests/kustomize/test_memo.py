"""The build memo: a rebuild that reuses the unchanged bases' share of the last build
must print exactly what a full build prints, errors included."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.errors import LaminaError
from lamina.kustomize import memo
from lamina.kustomize.build import BuildOptions, build, render

from tests.helpers.trees import write_tree

SERVICES = ("cart", "shop", "tax")


def _base(name: str, port: int = 8080, value: str = "v1", extra: str = "") -> dict[str, str]:
    return {
        f"bases/{name}/kustomization.yaml": (
            "resources:\n- deployment.yaml\n- service.yaml\n"
            f"labels:\n- pairs:\n    app: {name}\n  includeSelectors: true\n"
            f"configMapGenerator:\n- name: {name}-config\n  literals:\n  - VALUE={value}\n"),
        f"bases/{name}/deployment.yaml": (
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
            "  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n"
            f"        image: registry.example.com/{name}:1.0\n"
            f"        ports:\n        - containerPort: {port}\n          protocol: TCP\n"
            f"        envFrom:\n        - configMapRef:\n            name: {name}-config\n{extra}"),
        f"bases/{name}/service.yaml": (
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n"
            f"  ports:\n  - port: 80\n    targetPort: {port}\n"),
    }


OVERLAY = """resources:
""" + "".join(f"- ../../bases/{s}\n" for s in SERVICES) + """- ingress.yaml
namespace: prod
namePrefix: prod-
components:
- ../../components/monitoring
images:
- name: registry.example.com/cart
  newTag: "2.0"
replicas:
- name: shop
  count: 3
patches:
- path: tax-patch.yaml
- target: {kind: Service}
  patch: |-
    - op: add
      path: /metadata/annotations
      value: {team: platform}
configMapGenerator:
- name: cart-config
  behavior: merge
  literals:
  - ENV=prod
- name: settings
  literals:
  - HOST=shop.example.com
replacements:
- source: {kind: ConfigMap, name: settings, fieldPath: data.HOST}
  targets:
  - select: {kind: Ingress}
    fieldPaths: [spec.rules.0.host]
"""

FILES = {
    "overlays/prod/kustomization.yaml": OVERLAY,
    "overlays/prod/tax-patch.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tax\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: app\n        env:\n"
        "        - name: MODE\n          value: strict\n"),
    "overlays/prod/ingress.yaml": (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n"
        "  rules:\n  - host: placeholder\n    http:\n      paths:\n      - path: /\n"
        "        pathType: Prefix\n        backend:\n          service:\n            name: cart\n"
        "            port:\n              number: 80\n"),
    "components/monitoring/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- policy.yaml\n"
        "patches:\n- target: {kind: Deployment}\n  patch: |-\n    apiVersion: apps/v1\n"
        "    kind: Deployment\n    metadata:\n      name: any\n    spec:\n      template:\n"
        "        metadata:\n          annotations:\n            scrape: \"true\"\n"),
    "components/monitoring/policy.yaml": (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default\n"
        "spec:\n  podSelector: {}\n"),
}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LAMINA_NO_CACHE", raising=False)
    from lamina.kustomize import digests
    digests.forget()


def _tree(root, **bases):
    files = dict(FILES)
    for s in SERVICES:
        files.update(_base(s, **bases.get(s, {})))
    return write_tree(root, files)


def _result(overlay, use_memo: bool, reads: set | None = None):
    try:
        return render(build(str(overlay), BuildOptions(memo=use_memo, reads=reads)))
    except LaminaError as exc:
        return f"error: {exc}"


def _records(tmp_path):
    return list((tmp_path / "cache" / "lamina" / "builds").glob("*"))


def test_first_build_records_and_matches(tmp_path):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    assert _result(overlay, True) == _result(overlay, False)
    assert len(_records(tmp_path)) == 1


def test_partial_rebuild_equals_full_build(tmp_path, monkeypatch):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    write_tree(root, _base("shop", port=9090, value="v2"))
    partial_runs = []
    real = memo.Plan.after_pipeline
    monkeypatch.setattr(memo.Plan, "after_pipeline",
                        lambda self, ra: (partial_runs.append(self.changed), real(self, ra))[1])
    reads_memo, reads_full = set(), set()
    got = _result(overlay, True, reads_memo)
    assert partial_runs == [{1}]          # only the changed base was rebuilt
    assert got == _result(overlay, False, reads_full)
    assert "9090" in got and "VALUE: v2" in got
    assert reads_memo == reads_full        # render's input list is the same either way


def test_same_bytes_as_kubectl_after_a_change(tmp_path, kubectl_kustomize):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    write_tree(root, _base("tax", value="changed"))
    want = kubectl_kustomize(overlay, check=True).stdout
    assert _result(overlay, True) == want


def test_a_patch_that_loses_its_target_reports_kustomizes_error(tmp_path):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    files = _base("tax")
    files["bases/tax/deployment.yaml"] = files["bases/tax/deployment.yaml"].replace(
        "name: tax\n", "name: tax2\n", 1)
    write_tree(root, files)
    got = _result(overlay, True)
    assert got.startswith("error:") and got == _result(overlay, False)


def test_a_merge_that_loses_its_target_reports_kustomizes_error(tmp_path):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    files = _base("cart")
    files["bases/cart/kustomization.yaml"] = files["bases/cart/kustomization.yaml"].replace(
        "name: cart-config", "name: other-config")
    write_tree(root, files)
    got = _result(overlay, True)
    assert got.startswith("error:") and got == _result(overlay, False)


def test_ids_colliding_across_bases_report_kustomizes_error(tmp_path):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    files = _base("tax")
    files["bases/tax/service.yaml"] = files["bases/tax/service.yaml"].replace("name: tax", "name: cart")
    write_tree(root, files)
    got = _result(overlay, True)
    assert got.startswith("error:") and got == _result(overlay, False)


def test_a_changed_overlay_rebuilds_everything(tmp_path):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    write_tree(root, {"overlays/prod/kustomization.yaml": OVERLAY.replace("prod-", "live-")})
    assert _result(overlay, True) == _result(overlay, False)


def test_a_damaged_record_is_a_miss(tmp_path):
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    for record in _records(tmp_path):
        record.write_bytes(record.read_bytes()[:-40] + b"x" * 40)
    write_tree(root, _base("cart", value="v9"))
    assert _result(overlay, True) == _result(overlay, False)


def test_a_record_may_not_name_other_types(tmp_path):
    import os
    import pickle
    with pytest.raises(pickle.UnpicklingError):
        memo._loads(pickle.dumps(os.getcwd))      # os.getcwd: a callable, refused


def test_ineligible_overlays_are_not_recorded(tmp_path):
    root = _tree(tmp_path / "t")
    write_tree(root, {"overlays/prod/kustomization.yaml": OVERLAY + "vars:\n- name: X\n  objref: {kind: Service, name: cart, apiVersion: v1}\n"})
    _result(root / "overlays/prod", True)
    assert _records(tmp_path) == []


EDITS = st.lists(st.tuples(st.sampled_from(SERVICES), st.integers(8000, 8003),
                           st.sampled_from(["v1", "v2", "v3"]), st.booleans()), min_size=1, max_size=4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(EDITS)
def test_any_sequence_of_base_edits(tmp_path_factory, edits):
    import os
    root = _tree(tmp_path_factory.mktemp("t"))
    overlay = root / "overlays/prod"
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    from lamina.kustomize import digests
    digests.forget()
    _result(overlay, True)
    for name, port, value, rename in edits:
        files = _base(name, port=port, value=value)
        if rename:
            files[f"bases/{name}/service.yaml"] = files[f"bases/{name}/service.yaml"].replace(
                f"name: {name}", f"name: {name}-svc")
        write_tree(root, files)
        assert _result(overlay, True) == _result(overlay, False)


def test_reads_are_the_same_with_and_without_the_memo_in_the_lamina_dialect(tmp_path):
    from pathlib import Path
    repo = Path(__file__).resolve().parents[2]
    with_memo, without = set(), set()
    _result(repo / "overlays/prod", True, with_memo)
    _result(repo / "overlays/prod", False, without)
    assert with_memo == without and any(p.endswith("values.yaml") for p in without)


def test_digests_of_fresh_files_are_not_remembered(tmp_path):
    import os
    from lamina.kustomize import digests
    f = tmp_path / "a.yaml"
    f.write_text("x: 1\n")
    first = digests.digest(str(f))
    f.write_text("x: 2\n")                     # same size, same clock tick, maybe
    assert digests.digest(str(f)) != first
    old = f.stat().st_mtime_ns - 10_000_000_000
    os.utime(f, ns=(old, old))
    settled = digests.digest(str(f))
    assert digests.digest(str(f)) == settled


def test_records_of_other_code_are_not_used(tmp_path, monkeypatch):
    from lamina import codestamp
    root = _tree(tmp_path / "t")
    overlay = root / "overlays/prod"
    _result(overlay, True)
    first = _records(tmp_path)
    monkeypatch.setattr(codestamp, "_STAMPS", {memo._ENGINE: "stamp of other code"})
    _result(overlay, True)
    assert len(_records(tmp_path)) == len(first) + 1       # a new record, not the old one
