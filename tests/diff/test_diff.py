"""`lamina diff`: pairing, field changes, renames, redaction, markdown splitting, revisions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from lamina.diff.formats import GITHUB_COMMENT_LIMIT, markdown
from lamina.diff.model import CHANGED, diff_resources
from tests.helpers.cli import run_lamina
from tests.helpers.git import git

REPO = Path(__file__).resolve().parents[2]


def _docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_field_level_summary_and_pairing() -> None:
    old = _docs("kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web}\nspec: {replicas: 2}\n")
    new = _docs("kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web}\nspec: {replicas: 3}\n")
    d = diff_resources("prod", old, new)
    assert [r.status for r in d.resources] == [CHANGED]
    assert [f.summary() for f in d.resources[0].fields] == ["spec.replicas: 2 -> 3"]


def test_generator_hash_rename_is_one_change() -> None:
    old = _docs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg-5c6fd8k2t4}\ndata: {a: '1'}\n")
    new = _docs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg-b8t2h7dk5m}\ndata: {a: '2'}\n")
    d = diff_resources("prod", old, new)
    assert len(d.resources) == 1 and d.resources[0].renamed_from == "ConfigMap/cfg-5c6fd8k2t4"


def test_secret_values_are_redacted_everywhere() -> None:
    old = _docs("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n")
    new = _docs("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: swordfish}\n")
    d = diff_resources("prod", old, new)
    from lamina.diff.formats import as_json, text
    outputs = [text([d]), as_json([d]), *markdown([d])]
    assert all("hunter2" not in o and "swordfish" not in o for o in outputs)
    assert "stringData.password" in text([d])


def test_markdown_splits_below_githubs_limit() -> None:
    old, new = [], []
    for i in range(400):
        base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm{i}"},
                "data": {f"k{j}": "x" * 40 for j in range(20)}}
        old.append(base)
        new.append({**base, "data": {f"k{j}": "y" * 40 for j in range(20)}})
    comments = markdown([diff_resources("prod", old, new)])
    assert len(comments) > 1
    assert all(len(c) < GITHUB_COMMENT_LIMIT for c in comments)
    assert "continued in the next comment" in comments[0]


def _example_project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "bases", root / "bases")
    shutil.copytree(REPO / "overlays", root / "overlays")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "example")
    return root


def test_one_port_change_is_reported_as_exactly_that_change(tmp_path: Path) -> None:
    root = _example_project(tmp_path)
    values = root / "bases" / "values.yaml"
    values.write_text(values.read_text().replace("port: 8081", "port: 9091", 1))
    git(root, "commit", "-qam", "order-service on 9091")
    proc = run_lamina("diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
                      "--exit-code", cwd=root)
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert {e["environment"] for e in result["environments"]} == {"dev", "staging", "prod"}
    for env in result["environments"]:
        changes = {(r["resource"], f["path"], str(f["old"]), str(f["new"]))
                   for r in env["resources"] for f in r["fields"]}
        assert changes and all(old == "8081" and new == "9091" for _r, _p, old, new in changes), changes
    assert git(root, "status", "--porcelain") == ""


def test_envs_comparison_ignoring_namespace(tmp_path: Path) -> None:
    root = _example_project(tmp_path)
    proc = run_lamina("diff", "--envs", "staging", "prod", "--ignore-namespace",
                      "--only", "kind=Deployment", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    env = json.loads(proc.stdout)["environments"][0]
    assert all(r["resource"].startswith("Deployment") for r in env["resources"])
    paths = {f["path"] for r in env["resources"] for f in r["fields"]}
    assert not any(p == "metadata.namespace" for p in paths)
    assert any(p.endswith("image") for p in paths)


def test_markdown_splits_a_huge_resource_without_losing_lines() -> None:
    old = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
            "data": {f"k{i}": "x" * 80 for i in range(2000)}},
           {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "small"}, "data": {"a": "1"}}]
    new = [{**old[0], "data": {f"k{i}": "y" * 80 for i in range(2000)}},
           {**old[1], "data": {"a": "2", "note": "```\ncode\n```"}}]
    comments = markdown([diff_resources("prod", old, new), diff_resources("dev", old, new)])
    assert len(comments) > 2 and all(len(c) < GITHUB_COMMENT_LIMIT for c in comments)
    joined = "".join(comments)
    for env in ("prod", "dev"):   # every line of the big diff is somewhere
        assert joined.count("+  k1999: " + "y" * 80) == 2
    for c in comments[1:]:        # a continued comment says which environment it is in
        assert c.startswith("### lamina diff (continued)")
        first = c.split("<details>", 1)[0]
        assert "#### prod" in first or "#### dev" in first, first
    for c in comments:            # fences balanced: every <details> closes in its comment
        assert c.count("<details>") == c.count("</details>")
    assert "````diff" in joined   # a body holding ``` gets a longer fence


def _sa(name: str, ns: str = "shop") -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}}


def test_prefix_renames_pair_each_resource_with_its_own_name() -> None:
    old = [_sa("zeta"), _sa("alpha")]
    new = [_sa("eu-alpha"), _sa("eu-zeta")]
    d = diff_resources("prod", old, new)
    assert sorted((r.renamed_from, r.name) for r in d.resources) == [
        ("ServiceAccount/shop/alpha", "ServiceAccount/shop/eu-alpha"),
        ("ServiceAccount/shop/zeta", "ServiceAccount/shop/eu-zeta")]


def test_prefix_and_new_hash_together_are_one_rename() -> None:
    old = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg-5c6fd8k2t4"},
            "data": {"a": "1"}}]
    new = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "eu-cfg-b8t2h7dk5m"},
            "data": {"a": "2"}}]
    d = diff_resources("prod", old, new)
    assert [(r.status, r.renamed_from) for r in d.resources] == [(CHANGED, "ConfigMap/cfg-5c6fd8k2t4")]


def test_a_namespace_move_is_one_change_per_resource() -> None:
    d = diff_resources("prod", [_sa("web", "shop-prod"), _sa("api", "shop-prod")],
                       [_sa("web", "shop-eu"), _sa("api", "shop-eu")])
    assert [(r.status, r.renamed_from, [f.path for f in r.fields]) for r in d.resources] == [
        (CHANGED, "ServiceAccount/shop-prod/api", ["metadata.namespace"]),
        (CHANGED, "ServiceAccount/shop-prod/web", ["metadata.namespace"])]


def test_namespace_and_prefix_change_together_pair_up() -> None:
    d = diff_resources("prod", [_sa("web", "shop-prod"), _sa("api", "shop-prod")],
                       [_sa("eu-web", "shop-eu"), _sa("eu-api", "shop-eu")])
    assert sorted((r.renamed_from, r.name) for r in d.resources) == [
        ("ServiceAccount/shop-prod/api", "ServiceAccount/shop-eu/eu-api"),
        ("ServiceAccount/shop-prod/web", "ServiceAccount/shop-eu/eu-web")]


def test_a_changed_secret_value_reads_plainly() -> None:
    old = _docs("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: aHVudGVyMg==}\n")
    new = _docs("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: c3dvcmRmaXNo}\n")
    [res] = diff_resources("prod", old, new).resources
    assert [f.summary() for f in res.fields] == ["data.password: <redacted> -> <redacted> (changed)"]
