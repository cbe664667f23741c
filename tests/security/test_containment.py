"""Promise: lamina writes and deletes only inside its output folder (docs/security.md).

One regression test per row of issue 12's table that concerns writes and deletes, plus
the output folder itself and the file names made from resources."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.trees import write_tree
from tests.helpers.security import run


def _lamina_yaml(repo: Path, text: str) -> None:
    (repo / "lamina.yaml").write_text(text, encoding="utf-8")


# ---- row: a cluster name writes outside the repository --------------------------------

def test_a_cluster_name_with_dot_dot_is_refused_naming_lamina_yaml_and_line(
        repo: Path, world: Path, untouched) -> None:
    _lamina_yaml(repo, "environments:\n  - name: dev\n    clusters: [\"../../../pwncluster\"]\n")
    untouched()
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: lamina.yaml:3: cluster name '../../../pwncluster'")
    assert "Traceback" not in proc.stderr
    assert not (world / "a" / "pwncluster").exists() and not (repo / "rendered").exists()


@pytest.mark.parametrize("name", ["/srv/pwn", "a/b", "..", ".", "", "UPPER", "x" * 64,
                                  "a\u2024\u2024", "\uff0e\uff0e"])
def test_cluster_and_environment_names_are_one_plain_component(repo: Path, name: str) -> None:
    for text in (f"environments:\n  - name: dev\n    clusters:\n      - name: {json.dumps(name)}\n",
                 f"environments:\n  - name: {json.dumps(name)}\n    overlay: overlays/dev\n"):
        _lamina_yaml(repo, text)
        proc = run(repo, "render", "--no-checks")
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("Error: lamina.yaml:"), proc.stderr
        assert not (repo / "rendered").exists()


# ---- row: the ledger or the journal deletes files outside the repository ------------------

def test_a_ledger_naming_a_path_outside_is_corrupt_and_never_acted_on(
        repo: Path, world: Path, untouched) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    ledger = repo / "rendered" / ".lamina-ledger.json"
    data = json.loads(ledger.read_text())
    data["files"].append("prod/../../../victim.txt")
    ledger.write_text(json.dumps(data))
    untouched()
    proc = run(repo, "render", "--all", "--no-checks")
    assert "Warning: rendered/.lamina-ledger.json is corrupt" in proc.stderr
    assert "prod/../../../victim.txt" in proc.stderr
    assert (world / "a" / "victim.txt").read_text() == "victim\n"


@pytest.mark.parametrize("entry", ["prod/../../../victim2.txt", "/etc/hostname",
                                   "../../../victim.txt", "prod/\u0000x", ""])
def test_a_journal_naming_a_path_outside_is_corrupt_and_never_acted_on(
        repo: Path, world: Path, untouched, entry: str) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    (world / "a" / "victim2.txt").write_text("victim\n")
    journal = repo / "rendered" / ".lamina-journal.json"
    journal.write_text(json.dumps({"rename": [], "remove": [entry], "ledger_unchanged": True}))
    untouched()
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 0, proc.stderr
    assert "Warning: rendered/.lamina-journal.json is corrupt" in proc.stderr
    assert not journal.exists()
    assert (world / "a" / "victim2.txt").exists()


def test_a_journal_cannot_rename_a_link_target_into_place(repo: Path, world: Path,
                                                         untouched) -> None:
    """A committed `x.lamina-tmp` link plus a journal naming x: the rename is refused."""
    assert run(repo, "render", "--no-checks").returncode == 0
    out = repo / "rendered"
    os.symlink(world / "secret.json", out / "dev" / "stolen.yaml.lamina-tmp")
    (out / ".lamina-journal.json").write_text(json.dumps(
        {"rename": ["dev/stolen.yaml"], "remove": [], "ledger_unchanged": True}))
    untouched()
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1
    assert "is a symbolic link" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "dev" / "stolen.yaml").exists()


# ---- row: a directory symlink inside rendered/ is followed ------------------------------

def test_a_symlinked_folder_inside_the_output_is_refused_not_followed(
        repo: Path, world: Path, untouched) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    target = repo / "rendered" / "prod" / "shop-prod"
    for child in target.iterdir():
        child.unlink()
    target.rmdir()
    target.symlink_to(world / "keep")
    untouched()
    for args in (["render", "--all", "--no-checks"], ["render", "--check", "--no-checks"]):
        proc = run(repo, *args)
        assert proc.returncode == 1
        assert "rendered/prod/shop-prod is a symbolic link" in proc.stderr, proc.stderr
    assert sorted(os.listdir(world / "keep")) == ["file.txt"]


def test_a_symlinked_file_inside_the_output_is_not_written_through(
        repo: Path, world: Path, untouched) -> None:
    assert run(repo, "render", "--no-checks").returncode == 0
    victim = repo / "rendered" / "dev" / "shop-dev" / "deployment-web.yaml"
    victim.unlink()
    victim.symlink_to(world / "victim.txt")
    untouched()
    proc = run(repo, "render", "--all", "--no-checks")
    assert proc.returncode == 1 and "is a symbolic link" in proc.stderr


# ---- the output folder itself ---------------------------------------------------------

def test_the_output_folder_must_be_inside_the_repository(repo: Path, world: Path,
                                                         untouched) -> None:
    untouched()
    _lamina_yaml(repo, "output:\n  dir: ../../out\n")
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1 and proc.stderr.startswith("Error: lamina.yaml:2: output.dir")
    (repo / "lamina.yaml").unlink()
    proc = run(repo, "render", "--no-checks", "-o", str(world / "out"))
    assert proc.returncode == 1 and "--output-outside-repo" in proc.stderr
    assert not (world / "out").exists()


def test_an_output_folder_outside_needs_the_operators_flag(repo: Path, world: Path) -> None:
    proc = run(repo, "render", "--no-checks", "-o", str(world / "out"), "--output-outside-repo")
    assert proc.returncode == 0, proc.stderr
    assert (world / "out" / "dev" / "shop-dev" / "deployment-web.yaml").is_file()


@pytest.mark.parametrize("how", ["link-to-outside", "link-inside", "in-git"])
def test_the_output_folder_is_reached_through_no_link_and_not_inside_git(
        repo: Path, world: Path, untouched, how: str) -> None:
    if how == "link-to-outside":
        (repo / "rendered").symlink_to(world / "keep")
    elif how == "link-inside":
        (repo / "rendered").symlink_to(repo / "overlays")
    else:
        (repo / ".git").mkdir()
        _lamina_yaml(repo, "output:\n  dir: .git/hooks\n")
    untouched()
    proc = run(repo, "render", "--no-checks")
    assert proc.returncode == 1, proc.stderr
    assert "symbolic link" in proc.stderr or ".git" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---- file names made from resources -------------------------------------------------------

HOSTILE_CM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: ../../../../escape
  namespace: ..
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: LONG
  namespace: "."
data: {k: v}
"""


def test_resource_derived_file_names_stay_inside_the_environment_folder(
        repo: Path, world: Path, untouched) -> None:
    write_tree(repo, {"overlays/dev/cm.yaml": HOSTILE_CM.replace("LONG", "n" * 250),
                      "overlays/dev/kustomization.yaml": "resources: [../../base, cm.yaml]\n"})
    untouched()
    proc = run(repo, "render", "dev", "--no-checks")
    assert proc.returncode == 0, proc.stderr
    written = [p.relative_to(repo / "rendered" / "dev")
               for p in (repo / "rendered" / "dev").rglob("*.yaml")]
    assert all(".." not in p.parts and len(p.name.encode()) <= 255 for p in written)
    assert len([p for p in written if p.name.startswith("configmap-")]) == 2


def test_build_o_refuses_a_resource_name_that_leaves_the_folder(repo: Path, world: Path,
                                                               untouched) -> None:
    write_tree(repo, {"evil/kustomization.yaml": "resources: [cm.yaml]\n",
                      "evil/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                      "  name: ../../../../victim\n"})
    (repo / "out").mkdir()
    untouched()
    proc = run(repo, "build", "evil", "-o", "out")
    assert proc.returncode == 1
    assert "'..' component" in proc.stderr and "Traceback" not in proc.stderr
    assert (world / "victim.txt").read_text() == "victim\n"
