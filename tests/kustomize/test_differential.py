"""Differential tests: generated kustomization trees built by lamina and by the pinned
`kubectl kustomize` (Kustomize v5.8.1) must give the same bytes, or both fail."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.build import build_in_process
from tests.helpers.cli import KubectlKustomize

NAMES = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
LABEL_VALUES = st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)


def _deployment(name: str, image: str, replicas: int, port: int) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas,
                 "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{
                                  "name": name, "image": image,
                                  "ports": [{"containerPort": port}],
                                  "envFrom": [{"configMapRef": {"name": f"{name}-cfg"}}]}]}}},
    }


def _service(name: str, port: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name},
                     "ports": [{"port": port, "targetPort": port}]}}


@st.composite
def trees(draw):
    services = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    docs, base_k = [], {"resources": ["resources.yaml"], "configMapGenerator": []}
    for name in services:
        port = draw(st.integers(1, 65535))
        docs.append(_deployment(name, draw(st.sampled_from(["nginx", "nginx:1.25", "repo/app:v1"])),
                                draw(st.integers(0, 5)), port))
        docs.append(_service(name, port))
        base_k["configMapGenerator"].append(
            {"name": f"{name}-cfg", "literals": [f"PORT={port}", f"NAME={name}"]})
    overlay: dict = {"resources": ["../base"]}
    if draw(st.booleans()):
        overlay["namePrefix"] = draw(NAMES) + "-"
    if draw(st.booleans()):
        overlay["nameSuffix"] = "-" + draw(NAMES)
    if draw(st.booleans()):
        overlay["namespace"] = draw(NAMES)
    if draw(st.booleans()):
        overlay["commonLabels"] = draw(st.dictionaries(NAMES, LABEL_VALUES, min_size=1, max_size=2))
    if draw(st.booleans()):
        overlay["commonAnnotations"] = draw(st.dictionaries(NAMES, LABEL_VALUES, min_size=1, max_size=2))
    if draw(st.booleans()):
        overlay["images"] = [{"name": "nginx", "newTag": draw(st.sampled_from(["1.27", "stable"]))}]
    if draw(st.booleans()):
        overlay["replicas"] = [{"name": services[0], "count": draw(st.integers(0, 9))}]
    if draw(st.booleans()):
        overlay["patches"] = [{"patch": yaml.safe_dump({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": services[-1]},
            "spec": {"template": {"spec": {"containers": [
                {"name": services[-1], "env": [{"name": "MODE", "value": draw(NAMES)}]}]}}}})}]
    if draw(st.booleans()):
        overlay["configMapGenerator"] = [{"name": f"{services[0]}-cfg", "behavior": "merge",
                                          "literals": [f"EXTRA={draw(LABEL_VALUES)}"]}]
    return {
        "base/kustomization.yaml": yaml.safe_dump(base_k),
        "base/resources.yaml": yaml.safe_dump_all(docs),
        "overlay/kustomization.yaml": yaml.safe_dump(overlay),
    }


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=trees())
def test_generated_overlays_match_kustomize(kubectl_kustomize: KubectlKustomize, files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        proc = kubectl_kustomize(root / "overlay")
        ok, out = build_in_process(root / "overlay")
        assert ok == (proc.returncode == 0), (out, proc.stderr)
        if ok:
            assert out == proc.stdout
