"""`lamina vendor` pins remote bases; `lamina build` then builds them offline, byte-equal to
the pinned kubectl fetching the same commits (through the same insteadOf rule)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers.cli import run_kustomize, run_lamina
from tests.helpers.trees import write_tree

BASE = {
    "base/kustomization.yaml": "resources:\n- deploy.yaml\n- ../common\n",
    "base/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                        "spec:\n  replicas: 1\n",
    "common/kustomization.yaml": "resources:\n- cm.yaml\n",
    "common/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n",
    "other/kustomization.yaml": "resources:\n- x.yaml\n",
    "other/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
    "extra/kustomization.yaml": "resources:\n- s.yaml\n",
    "extra/s.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
}


def _overlay(project: Path, resources: list[str], origin: bool = True) -> Path:
    meta = "buildMetadata: [originAnnotations]\n" if origin else ""
    lines = "".join(f"- {r}\n" for r in resources)
    write_tree(project, {"env/prod/kustomization.yaml": f"{meta}namePrefix: prod-\nresources:\n{lines}"})
    (project / ".git").mkdir(exist_ok=True)
    return project / "env/prod"


def test_git_forms_build_offline_equal_to_kubectl(tmp_path, mirror, kubectl):
    mirror.repo("acme/bases", BASE, tag="v1", annotated="v1.1", branch="stable")
    refs = ["https://github.com/acme/bases//base?ref=v1",
            "github.com/acme/bases/other?ref=v1.1",
            "https://github.com/acme/bases.git//extra?ref=stable&timeout=60s"]
    project = tmp_path / "proj"
    overlay = _overlay(project, refs)
    vend = run_lamina("vendor", "--project-dir", project, env=mirror.env)
    assert vend.returncode == 0, vend.stderr
    lock = yaml.safe_load((project / "lamina.lock").read_text())
    assert [e["url"] for e in lock["remotes"]] == sorted(refs)
    assert {e["ref"] for e in lock["remotes"]} == {"v1", "v1.1", "stable"}
    # Offline: the mirror is gone, so only the vendored copies can serve the build.
    oracle = run_kustomize(kubectl, overlay, check=True, env=mirror.env)
    mirror.root.rename(tmp_path / "gone")
    built = run_lamina("build", overlay, env=mirror.env)
    assert built.returncode == 0, built.stderr
    assert built.stdout == oracle.stdout


def test_tampered_vendored_file_is_refused(tmp_path, mirror):
    mirror.repo("acme/bases", BASE, tag="v1")
    project = tmp_path / "proj"
    overlay = _overlay(project, ["https://github.com/acme/bases//base?ref=v1"], origin=False)
    assert run_lamina("vendor", "--project-dir", project, env=mirror.env).returncode == 0
    deploy = next(project.glob("vendor/**/base/deploy.yaml"))
    deploy.write_text(deploy.read_text().replace("replicas: 1", "replicas: 9"))
    built = run_lamina("build", overlay, env=mirror.env)
    assert built.returncode == 1
    assert "does not match lamina.lock" in built.stderr
    assert "env/prod/kustomization.yaml" in built.stderr and "lamina vendor" in built.stderr


def test_missing_lock_entry_is_refused(tmp_path, mirror):
    project = tmp_path / "proj"
    overlay = _overlay(project, ["https://github.com/acme/bases//base?ref=v1"])
    built = run_lamina("build", overlay, env=mirror.env)
    assert built.returncode == 1
    assert "not in lamina.lock" in built.stderr and "run `lamina vendor`" in built.stderr
    assert "kustomization.yaml:4" in built.stderr
