"""`lamina vendor` pins remote bases; `lamina build` then builds them offline, byte-equal to
the pinned kubectl fetching the same commits (through the same insteadOf rule)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers.cli import run_kustomize, run_lamina
from tests.helpers.project import DEPLOYMENT
from tests.helpers.trees import write_tree

BASE = {
    "base/kustomization.yaml": "resources:\n- deploy.yaml\n- ../common\n",
    "base/deploy.yaml": DEPLOYMENT,
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
    assert "replicas: 9" in deploy.read_text()
    built = run_lamina("build", overlay, env=mirror.env)
    assert built.returncode == 1
    assert "does not match lamina.lock" in built.stderr
    assert "kustomization.yaml:3" in built.stderr and "lamina vendor" in built.stderr


def test_missing_lock_entry_is_refused(tmp_path, mirror):
    project = tmp_path / "proj"
    overlay = _overlay(project, ["https://github.com/acme/bases//base?ref=v1"])
    built = run_lamina("build", overlay, env=mirror.env)
    assert built.returncode == 1
    assert "not in lamina.lock" in built.stderr and "run `lamina vendor`" in built.stderr
    assert "kustomization.yaml:4" in built.stderr


def test_render_builds_every_environment_from_the_vendored_copy(tmp_path, mirror):
    mirror.repo("acme/bases", BASE, tag="v1")
    project = tmp_path / "proj"
    for env in ("dev", "prod"):
        write_tree(project, {f"overlays/{env}/kustomization.yaml":
                             f"namespace: {env}\nresources:\n"
                             "- https://github.com/acme/bases//base?ref=v1\n"})
    (project / ".git").mkdir()
    run_lamina("vendor", cwd=project, env=mirror.env, check=True)
    mirror.root.rename(tmp_path / "gone")
    run_lamina("render", cwd=project, env=mirror.env, check=True)
    out = (project / "rendered/prod").read_text() if (project / "rendered/prod").is_file() \
        else "".join(p.read_text() for p in sorted((project / "rendered/prod").rglob("*.yaml")))
    assert "name: web" in out and "namespace: prod" in out


def test_commit_id_and_default_branch_refs(tmp_path, mirror, kubectl):
    commit = mirror.repo("acme/bases", BASE)
    refs = [f"https://github.com/acme/bases//base?ref={commit}",
            "https://github.com/acme/bases//extra"]
    project = tmp_path / "proj"
    overlay = _overlay(project, refs)
    run_lamina("vendor", "--project-dir", project, env=mirror.env, check=True)
    lock = yaml.safe_load((project / "lamina.lock").read_text())
    assert {e["commit"] for e in lock["remotes"]} == {commit}
    oracle = run_kustomize(kubectl, overlay, check=True, env=mirror.env)
    assert run_lamina("build", overlay, check=True).stdout == oracle.stdout


def test_repository_root_reference_origin_equal_to_kubectl(tmp_path, mirror, kubectl):
    mirror.repo("acme/flat", {"kustomization.yaml": "resources:\n- cm.yaml\n",
                              "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                         "  name: flat\n"}, tag="v2")
    project = tmp_path / "proj"
    overlay = _overlay(project, ["github.com/acme/flat?ref=v2"])
    run_lamina("vendor", "--project-dir", project, env=mirror.env, check=True)
    oracle = run_kustomize(kubectl, overlay, check=True, env=mirror.env)
    assert run_lamina("build", overlay, check=True).stdout == oracle.stdout


PLATFORM = {
    # A remote base that itself uses a remote base (another repository), a component and a
    # patch of its own repository, written in the scp and ssh URL forms.
    "base/kustomization.yaml": "resources:\n- https://github.com/acme/bases//base?ref=v1\n"
                               "- ../extra\ncomponents:\n- ../comp\npatches:\n- path: patch.yaml\n"
                               "namespace: platform\n",
    "base/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"
                       "data:\n  patched: 'yes'\n",
    "extra/kustomization.yaml": "resources:\n- s.yaml\n",
    "extra/s.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: edge\n",
    "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                               "labels:\n- pairs:\n    team: platform\n",
}


@pytest.mark.parametrize("url", [
    "git@github.com:acme/platform.git//base?ref=v2",
    "ssh://git@github.com/acme/platform.git//base?ref=v2&timeout=90s",
    "github.com/acme/platform/base?version=v2",
])
def test_nested_remote_bases_in_scp_and_ssh_forms_equal_kubectl(tmp_path, mirror, kubectl, url):
    mirror.repo("acme/bases", BASE, tag="v1")
    mirror.repo("acme/platform", PLATFORM, tag="v2")
    project = tmp_path / "proj"
    overlay = _overlay(project, [url])
    vend = run_lamina("vendor", "--project-dir", project, env=mirror.env)
    assert vend.returncode == 0, vend.stderr
    urls = {e["url"] for e in yaml.safe_load((project / "lamina.lock").read_text())["remotes"]}
    assert urls == {url, "https://github.com/acme/bases//base?ref=v1"}
    oracle = run_kustomize(kubectl, overlay, check=True, env=mirror.env)
    mirror.root.rename(tmp_path / "gone")
    built = run_lamina("build", overlay, env=mirror.env)
    assert built.returncode == 0, built.stderr
    assert built.stdout == oracle.stdout
    assert "team: platform" in built.stdout and "patched: \"yes\"" in built.stdout


def test_load_restrictor_boundaries_of_a_remote_base(tmp_path, mirror, kubectl):
    """A remote base's patch in a sibling folder of its repository is refused, as kubectl
    refuses it, even with LoadRestrictionsNone (Kustomize loads a clone root-only), while the
    overlay itself may still read outside its folder."""
    mirror.repo("acme/lr", {
        "base/kustomization.yaml": "resources:\n- cm.yaml\npatches:\n- path: ../shared/p.yaml\n",
        "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n",
        "shared/p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"
                         "data:\n  from: sibling\n",
    }, tag="v1")
    project = tmp_path / "proj"
    overlay = _overlay(project, ["https://github.com/acme/lr//base?ref=v1"])
    run_lamina("vendor", "--project-dir", project, env=mirror.env, check=True)
    assert run_kustomize(kubectl, overlay, env=mirror.env).returncode == 1
    refused = run_lamina("build", overlay, env=mirror.env)
    assert refused.returncode == 1 and "is not in or below" in refused.stderr
    write_tree(project, {"env/p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                        "  name: shared\ndata:\n  from: overlay\n"})
    (overlay / "kustomization.yaml").write_text(
        (overlay / "kustomization.yaml").read_text() + "patches:\n- path: ../p.yaml\n")
    none = ("--load-restrictor", "LoadRestrictionsNone")
    proc = subprocess.run([kubectl, "kustomize", *none, str(overlay)], capture_output=True,
                          text=True, env=mirror.env)
    assert proc.returncode == 1 and "is not in or below" in proc.stderr
    built = run_lamina("build", *none, overlay, env=mirror.env)
    assert built.returncode == 1 and "is not in or below" in built.stderr
    # The same overlay over a remote base that keeps its patch in its folder builds equal.
    mirror.repo("acme/lr", {
        "base/kustomization.yaml": "resources:\n- cm.yaml\n",
        "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n",
    }, tag="v1")
    run_lamina("vendor", "--project-dir", project, "--update", env=mirror.env, check=True)
    proc = subprocess.run([kubectl, "kustomize", *none, str(overlay)], capture_output=True,
                          text=True, env=mirror.env)
    assert proc.returncode == 0, proc.stderr
    built = run_lamina("build", *none, overlay, env=mirror.env)
    assert built.returncode == 0, built.stderr
    assert built.stdout == proc.stdout and "from: overlay" in built.stdout
