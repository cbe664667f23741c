"""Flux: `render --flux` (or lamina.yaml's gitops.flux) writes a GitRepository and one
Kustomization per environment and cluster, valid against Flux's published CRD schemas
(bundled in flux_crds/, v1 schemas of source-controller and kustomize-controller)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from lamina.cli.main import cli
from tests.helpers.trees import write_tree
from tests.helpers.git import git

CRDS = Path(__file__).parent / "flux_crds"


def _closed(schema: Any) -> Any:
    """A structural schema prunes unknown fields; for a test, refuse them instead, so a
    misspelt field fails rather than vanishing on the cluster."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema \
                and not schema.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def _validator(name: str) -> tuple[str, jsonschema.Draft7Validator]:
    doc = json.loads((CRDS / name).read_text())
    return (f"{doc['group']}/{doc['version']}",
            jsonschema.Draft7Validator(_closed(copy.deepcopy(doc["schema"]))))


VALIDATORS = {kind: _validator(f) for kind, f in
              (("GitRepository", "gitrepository-v1.json"), ("Kustomization", "kustomization-v1.json"))}


def validate(obj: dict) -> None:
    api_version, validator = VALIDATORS[obj["kind"]]
    assert obj["apiVersion"] == api_version
    errors = sorted(validator.iter_errors(obj), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_the_closed_schema_catches_a_misspelt_field() -> None:
    good = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "a"}, "spec": {"interval": "1m", "prune": True,
                                                "sourceRef": {"kind": "GitRepository", "name": "s"}}}
    validate(good)
    bad = copy.deepcopy(good)
    bad["spec"]["prunne"] = True
    with pytest.raises(AssertionError):
        validate(bad)
    bad = copy.deepcopy(good)
    del bad["spec"]["sourceRef"]
    with pytest.raises(AssertionError):
        validate(bad)


PROJECT = """apiVersion: lamina.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
    clusters: [eu, us]
"""
TREE = {
    "overlays/dev/kustomization.yaml": "resources: [cm.yaml]\n",
    "overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    "overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n",
    "overlays/prod/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
}


def _objects(folder: Path) -> dict[str, dict]:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(folder.iterdir())}


def test_render_flux_writes_valid_objects_per_environment_and_cluster(tmp_path: Path) -> None:
    write_tree(tmp_path, {**TREE, "lamina.yaml": PROJECT})
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path), "--flux",
                                      "--repo-url", "https://github.com/acme/shop.git"])
    assert result.exit_code == 0, result.output
    objects = _objects(tmp_path / "rendered/_flux")
    assert sorted(objects) == ["dev.yaml", "kustomization.yaml", "prod-eu.yaml", "prod-us.yaml",
                               "shop-rendered.yaml"]
    listing = objects.pop("kustomization.yaml")
    assert listing["resources"] == sorted(objects)
    for obj in objects.values():
        validate(obj)
    source = objects["shop-rendered.yaml"]
    assert source["spec"]["url"] == "https://github.com/acme/shop.git"
    assert source["spec"]["ref"] == {"branch": "rendered"}
    paths = {name: o["spec"]["path"] for name, o in objects.items() if o["kind"] == "Kustomization"}
    assert paths == {"dev.yaml": "./dev", "prod-eu.yaml": "./prod/eu", "prod-us.yaml": "./prod/us"}
    for name in paths:
        assert objects[name]["spec"]["sourceRef"] == {"kind": "GitRepository",
                                                      "name": "shop-rendered"}
    assert objects["prod-eu.yaml"]["metadata"]["labels"] == {
        "lamina.dev/environment": "prod", "lamina.dev/cluster": "eu"}
    # The paths name folders that exist in what is published.
    for path in paths.values():
        assert (tmp_path / "rendered" / path / "kustomization.yaml").is_file()


def test_branch_per_env_gets_a_source_per_branch(tmp_path: Path) -> None:
    project = PROJECT + "publish:\n  branchPerEnv: env/{env}\n"
    write_tree(tmp_path, {**TREE, "lamina.yaml": project})
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path), "--flux",
                                      "--repo-url", "ssh://git@example.com/shop.git"])
    assert result.exit_code == 0, result.output
    objects = _objects(tmp_path / "rendered/_flux")
    objects.pop("kustomization.yaml")
    for obj in objects.values():
        validate(obj)
    sources = {o["metadata"]["name"]: o["spec"]["ref"]["branch"]
               for o in objects.values() if o["kind"] == "GitRepository"}
    assert sources == {"shop-rendered-env-dev": "env/dev", "shop-rendered-env-prod": "env/prod"}
    prod_eu = objects["prod-eu.yaml"]["spec"]
    assert prod_eu["path"] == "./eu" and prod_eu["sourceRef"]["name"] == "shop-rendered-env-prod"
    assert objects["dev.yaml"]["spec"]["path"] == "./"


def test_lamina_yaml_option_writes_them_and_publish_carries_them(tmp_path: Path) -> None:
    project = PROJECT + "gitops:\n  flux: true\n  repoURL: https://example.com/shop.git\n"
    write_tree(tmp_path, {**TREE, "lamina.yaml": project})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "sources")
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rendered/_flux/prod-us.yaml").is_file()
    result = CliRunner().invoke(cli, ["publish", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    listing = yaml.safe_load(git(tmp_path, "show", "rendered:_flux/kustomization.yaml"))
    assert "prod-us.yaml" in listing["resources"]
    validate(yaml.safe_load(git(tmp_path, "show", "rendered:_flux/shop-rendered.yaml")))


def test_bad_gitops_setting_names_the_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {**TREE, "lamina.yaml": PROJECT + "gitops:\n  argocd: apps\n"})
    result = CliRunner().invoke(cli, ["render", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert "lamina.yaml:8" in result.output and "applicationset" in result.output
