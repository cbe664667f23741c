"""The example GitOps repository (bases/ + overlays/), written in lamina's dialect.

- every environment's rendered resources are pinned by snapshots under snapshots/;
- the dialect only adds templating: rendering each `.j2` with an environment's values and
  giving the result to `kubectl kustomize` prints what `lamina build` prints, byte for byte;
- a port or host is written once per environment: changing it in prod's values changes
  every field that carries it, and nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from lamina.kustomize.build import build
from lamina.kustomize.dialect import ValuesOptions, make_renderer, merged_values
from lamina.kustomize.loader import FileLoader
from tests.helpers.cli import LAMINA

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ["dev", "staging", "prod"]
LAMINA_ONLY_FIELDS = ("values", "valuesSchema")


def _copy_repo(dest: Path) -> Path:
    for top in ("bases", "overlays"):
        shutil.copytree(ROOT / top, dest / top)
    return dest


def _as_plain_kustomize(repo: Path, env: str) -> None:
    """Render every template with `env`'s values in place and switch to Kustomize's dialect."""
    render = make_renderer(merged_values(FileLoader.at(str(repo / "overlays" / env)),
                                         ValuesOptions()))
    for template in repo.rglob("*.j2"):
        template.write_text(render(template.read_text(encoding="utf-8"), str(template)),
                            encoding="utf-8")
    for path in repo.rglob("kustomization.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["apiVersion"] = "kustomize.config.k8s.io/v1beta1"
        for field in LAMINA_ONLY_FIELDS:
            doc.pop(field, None)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overlay_matches_snapshots(env: str, lamina_snapshot) -> None:
    lamina_snapshot.assert_build(f"overlays/{env}")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lamina_build_prints_what_kubectl_prints_for_the_rendered_templates(
        env: str, kubectl: str, tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _as_plain_kustomize(repo, env)
    expected = subprocess.run([kubectl, "kustomize", str(repo / "overlays" / env)],
                              capture_output=True, check=True)
    actual = subprocess.run([*LAMINA, "build", str(ROOT / "overlays" / env)],
                            capture_output=True)
    assert actual.stderr.decode() == ""
    assert actual.returncode == 0
    assert actual.stdout == expected.stdout


def _leaves(node: Any, at: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*at, index))
    else:
        yield at, node


def _fields(overlay: Path) -> dict[tuple, Any]:
    """Every leaf of every resource, keyed by (kind, name, path)."""
    return {(res.gvk.kind, res.name, *path): value
            for res in build(str(overlay)) for path, value in _leaves(res.obj)}


def _changed(before: dict[tuple, Any], after: dict[tuple, Any]) -> dict[tuple, Any]:
    assert before.keys() == after.keys(), "a value change must not add or remove fields"
    return {key: after[key] for key in before if before[key] != after[key]}


CONTAINER = ("spec", "template", "spec", "containers", 0)
USER_DB_URL = "postgresql://user_service@{host}:{port}/users?sslmode=require"

# (what prod's values.yaml gains, every field that must change, with its new value)
CHANGES = {
    "user-service port": (
        "services:\n  user:\n    port: 9090\n",
        {("Deployment", "user-service", *CONTAINER, "ports", 0, "containerPort"): 9090,
         ("Deployment", "user-service", *CONTAINER, "env", 0, "value"): "9090",
         ("Service", "user-service", "spec", "ports", 0, "port"): 9090,
         ("Service", "user-service", "spec", "ports", 0, "targetPort"): 9090,
         ("Ingress", "shop", "spec", "rules", 0, "http", "paths", 0,
          "backend", "service", "port", "number"): 9090},
    ),
    "database port": (
        "database:\n  port: 6432\n",
        {key: value
         for service, db in (("user", "users"), ("order", "orders"), ("payment", "payments"))
         for key, value in (
             (("ConfigMap", f"{service}-service-database", "data", "DB_PORT"), "6432"),
             (("ConfigMap", f"{service}-service-database", "data", "DATABASE_URL"),
              f"postgresql://{service}_service@postgres-primary.prod.shop.internal:6432/"
              f"{db}?sslmode=require"))},
    ),
    "database host": (
        "database:\n  host: postgres-replica.prod.shop.internal\n",
        {key: value
         for service, db in (("user", "users"), ("order", "orders"), ("payment", "payments"))
         for key, value in (
             (("ConfigMap", f"{service}-service-database", "data", "DB_HOST"),
              "postgres-replica.prod.shop.internal"),
             (("ConfigMap", f"{service}-service-database", "data", "DATABASE_URL"),
              f"postgresql://{service}_service@postgres-replica.prod.shop.internal:5432/"
              f"{db}?sslmode=require"))},
    ),
}


def _deep_merge(lower: dict, upper: dict) -> dict:
    merged = dict(lower)
    for key, value in upper.items():
        both_maps = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _deep_merge(merged[key], value) if both_maps else value
    return merged


@pytest.mark.parametrize("change", list(CHANGES))
def test_one_value_in_prod_changes_every_field_that_carries_it_and_nothing_else(
        change: str, tmp_path: Path) -> None:
    override, expected = CHANGES[change]
    repo = _copy_repo(tmp_path)
    prod = repo / "overlays" / "prod"
    before = _fields(prod)
    values_file = prod / "values.yaml"
    values = _deep_merge(yaml.safe_load(values_file.read_text(encoding="utf-8")),
                         yaml.safe_load(override))
    values_file.write_text(yaml.safe_dump(values), encoding="utf-8")
    assert _changed(before, _fields(prod)) == expected


def test_values_are_only_written_once_per_environment() -> None:
    """No port or database host is spelled out in a manifest, only in values files."""
    literals = ["8080", "8081", "8082", "5432", ".shop.internal", "shop.example.com"]
    for path in [*(ROOT / "bases").rglob("*.j2"), *(ROOT / "overlays").rglob("patches/*")]:
        text = path.read_text(encoding="utf-8")
        assert not [lit for lit in literals if lit in text], path
