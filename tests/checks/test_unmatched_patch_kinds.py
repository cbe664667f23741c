"""unmatched-patch, kind by kind, from the command line: every patch or replacement that
Kustomize applies silently to nothing is a finding naming its own file:line and the
environment; every one that Kustomize refuses fails the build as Kustomize does, naming
the entry's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import run_lamina, run_kustomize
from tests.helpers.trees import write_tree

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""

SMP_GONE = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gone\nspec:\n  replicas: 3\n"
JSON_OPS = "- op: add\n  path: /spec/replicas\n  value: 3\n"
NOTHING = "which selects no resource, so the patch changes nothing (fix its target, or remove the patch)"
REPL_NOTHING = "selects no resource, so the replacement changes nothing (fix its select, or remove it)"
R = "resources: [../../base]\n"

# kustomization (and extra files) -> (line of the entry, entry, message after it)
SILENT = {
    "patches-json-inline": (R + "patches:\n  - target: {kind: Deployment, name: gone}\n"
                            "    patch: |-\n      - {op: add, path: /spec/replicas, value: 3}\n", {},
                            "overlays/prod/kustomization.yaml:3", "patches[0]",
                            f"targets kind: Deployment, name: gone, {NOTHING}"),
    "patches-smp-file-target": (R + "patches:\n  - path: smp.yaml\n    target: {kind: StatefulSet}\n",
                                {"smp.yaml": SMP_GONE}, "overlays/prod/kustomization.yaml:3",
                                "patches[0]", f"targets kind: StatefulSet, {NOTHING}"),
    "patches-label-selector": (R + "patches:\n  - path: j.yaml\n    target: {labelSelector: app=api}\n",
                               {"j.yaml": JSON_OPS}, "overlays/prod/kustomization.yaml:3",
                               "patches[0]", f"targets labelSelector: app=api, {NOTHING}"),
    "patches-namespace": (R + "patches:\n  - path: j.yaml\n    target: {kind: Deployment, name: web,"
                          " namespace: other}\n", {"j.yaml": JSON_OPS},
                          "overlays/prod/kustomization.yaml:3", "patches[0]",
                          f"targets kind: Deployment, name: web, namespace: other, {NOTHING}"),
    "patchesJson6902-file": (R + "patchesJson6902:\n  - path: j.yaml\n    target: {group: apps, "
                             "version: v1, kind: Deployment, name: gone}\n", {"j.yaml": JSON_OPS},
                             "overlays/prod/kustomization.yaml:3", "patchesJson6902[0]",
                             f"targets group: apps, version: v1, kind: Deployment, name: gone, {NOTHING}"),
    "replacement-inline": (R + "replacements:\n  - source: {kind: Deployment, name: web}\n"
                           "    targets:\n      - select: {kind: Deployment, name: web}\n"
                           "        fieldPaths: [metadata.labels.app]\n"
                           "      - select: {kind: Service}\n        fieldPaths: [spec.selector.app]\n",
                           {}, "overlays/prod/kustomization.yaml:7", "replacements[0].targets[1]",
                           REPL_NOTHING),
    "replacement-reject": (R + "replacements:\n  - source: {kind: Deployment, name: web}\n"
                           "    targets:\n      - select: {kind: Deployment}\n        reject: [{name: web}]\n"
                           "        fieldPaths: [metadata.labels.app]\n", {},
                           "overlays/prod/kustomization.yaml:5", "replacements[0].targets[0]",
                           REPL_NOTHING),
    "replacement-path-file": (R + "replacements:\n  - path: repl.yaml\n",
                              {"repl.yaml": "- source: {kind: Deployment, name: web}\n  targets:\n"
                                            "    - select: {kind: Deployment}\n"
                                            "      fieldPaths: [metadata.labels.app]\n"
                                            "- source: {kind: Deployment, name: web}\n  targets:\n"
                                            "    - select: {kind: Deployment, name: api}\n"
                                            "      fieldPaths: [metadata.labels.app]\n"},
                              "overlays/prod/repl.yaml:7", "replacements[0][1].targets[0]",
                              REPL_NOTHING),
    "transformers-config": (R + "transformers: [t.yaml]\n",
                            {"t.yaml": "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\n"
                                       "target: {kind: Service}\npatch: |-\n"
                                       "  - {op: add, path: /spec/x, value: 1}\n"},
                            "overlays/prod/kustomization.yaml:2", "transformers[0]",
                            f"targets kind: Service, {NOTHING}"),
}


def _tree(tmp_path: Path, kustomization: str, extra: dict[str, str], envs: tuple[str, ...] = ("prod",)) -> Path:
    files = {"base/kustomization.yaml": "resources: [deployment.yaml]\n",
             "base/deployment.yaml": DEPLOY}
    for env in envs:
        files[f"overlays/{env}/kustomization.yaml"] = kustomization
        files.update({f"overlays/{env}/{name}": text for name, text in extra.items()})
    return write_tree(tmp_path / "p", files)


def _env(tmp_path: Path) -> dict[str, str]:
    import os
    return dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))


@pytest.mark.parametrize("case", sorted(SILENT))
def test_what_kustomize_applies_to_nothing_is_a_finding(tmp_path: Path, case: str, kubectl: str) -> None:
    kustomization, extra, where, entry, message = SILENT[case]
    root = _tree(tmp_path, kustomization, extra, ("dev", "prod"))
    oracle = run_kustomize(kubectl, root / "overlays/prod")
    assert oracle.returncode == 0, oracle.stderr
    built = run_lamina("build", "overlays/prod", cwd=root, env=_env(tmp_path))
    assert built.returncode == 0 and built.stdout == oracle.stdout
    done = run_lamina("check", cwd=root, env=_env(tmp_path))
    lines = [line for line in done.stdout.splitlines() if "[unmatched-patch]" in line]
    for env in ("dev", "prod"):
        shown = where.replace("overlays/prod/", f"overlays/{env}/")
        assert f"{shown}: warning [unmatched-patch] {env} {entry}: {message}" in lines
    assert len(lines) == 2
    strict = run_lamina("check", "--preset", "strict", cwd=root,
                        env=_env(tmp_path))
    assert strict.returncode == 1
    assert f"{where}: error [unmatched-patch] prod {entry}: {message}" in strict.stdout


# What Kustomize refuses: the oracle's error text, and lamina's first line (file:line).
FAILING = {
    "patches-smp-file": (R + "patches:\n  - path: smp.yaml\n", {"smp.yaml": SMP_GONE},
                         "overlays/prod/kustomization.yaml:3:11"),
    "patches-smp-inline": (R + "patches:\n  - patch: |-\n" + "".join(
        "      " + line + "\n" for line in SMP_GONE.splitlines()), {},
        "overlays/prod/kustomization.yaml:3"),
    "patchesStrategicMerge-file": (R + "patchesStrategicMerge:\n  - smp.yaml\n", {"smp.yaml": SMP_GONE},
                                   "overlays/prod/kustomization.yaml:3:5"),
    "patchesStrategicMerge-inline": (R + "patchesStrategicMerge:\n  - |-\n" + "".join(
        "    " + line + "\n" for line in SMP_GONE.splitlines()), {},
        "overlays/prod/kustomization.yaml:3"),
    "replacement-source": (R + "replacements:\n  - source: {kind: ConfigMap, name: gone}\n"
                           "    targets:\n      - select: {kind: Deployment}\n"
                           "        fieldPaths: [metadata.labels.app]\n", {},
                           "overlays/prod/kustomization.yaml:3:5"),
    "replacement-source-in-file": (R + "replacements:\n  - path: repl.yaml\n",
                                   {"repl.yaml": "source: {kind: Deployment, name: gone}\ntargets:\n"
                                                 "  - select: {kind: Deployment}\n"
                                                 "    fieldPaths: [metadata.labels.app]\n"},
                                   "overlays/prod/repl.yaml:1:1"),
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_what_kustomize_refuses_fails_the_build_at_its_line(tmp_path: Path, case: str,
                                                            kubectl: str) -> None:
    kustomization, extra, where = FAILING[case]
    root = _tree(tmp_path, kustomization, extra)
    oracle = run_kustomize(kubectl, root / "overlays/prod")
    assert oracle.returncode != 0
    kustomize_says = oracle.stderr.strip().splitlines()[-1].removeprefix("error: ")
    for command in (("build", "overlays/prod"), ("check",)):
        done = run_lamina(*command, cwd=root, env=_env(tmp_path))
        assert done.returncode == 1
        first = done.stderr.splitlines()[0]
        assert first.startswith(f"Error: {where}: ") and kustomize_says in first, done.stderr
        assert "Traceback" not in done.stderr
