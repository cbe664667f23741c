"""HTTP file URLs, components, pins kept and moved, and what `lamina vendor` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers.cli import run_kustomize, run_lamina
from tests.helpers.trees import write_tree

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {value}\n"


def _project(tmp_path: Path, kustomization: str) -> Path:
    project = tmp_path / "proj"
    write_tree(project, {"env/prod/kustomization.yaml": kustomization})
    (project / ".git").mkdir()
    return project


def test_http_file_url_pinned_by_sha256(tmp_path, http_root, mirror, kubectl):
    root, base = http_root
    write_tree(root, {"releases/v1/app.yaml": CM.format(name="app", value="one")})
    url = f"{base}/releases/v1/app.yaml"
    project = _project(tmp_path, f"buildMetadata: [originAnnotations]\nresources:\n- {url}\n")
    assert run_lamina("vendor", "--project-dir", project, env=mirror.env).returncode == 0
    entry = yaml.safe_load((project / "lamina.lock").read_text())["remotes"][0]
    assert entry["kind"] == "http" and entry["url"] == url and len(entry["sha256"]) == 64
    oracle = run_kustomize(kubectl, project / "env/prod", check=True, env=mirror.env)
    # Upstream changes after pinning: the build keeps the pinned bytes, offline.
    write_tree(root, {"releases/v1/app.yaml": CM.format(name="app", value="two")})
    built = run_lamina("build", project / "env/prod", env=mirror.env)
    assert built.returncode == 0, built.stderr
    assert built.stdout == oracle.stdout
    # vendor keeps the pin and refuses the silent change; --update moves it.
    kept = run_lamina("vendor", "--project-dir", project, env=mirror.env)
    assert kept.returncode == 0, kept.stderr
    (next(project.glob("vendor/http/**/app.yaml"))).unlink()
    again = run_lamina("vendor", "--project-dir", project, env=mirror.env)
    assert again.returncode == 1 and "changed upstream" in again.stderr
    moved = run_lamina("vendor", "--project-dir", project, "--update", url, env=mirror.env)
    assert moved.returncode == 0, moved.stderr
    assert "k: two" in run_lamina("build", project / "env/prod", check=True).stdout


def test_remote_component_and_update(tmp_path, mirror, kubectl):
    files = {"comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                        "kind: Component\nnameSuffix: -c\n",
             "base/kustomization.yaml": "resources:\n- cm.yaml\n",
             "base/cm.yaml": CM.format(name="cfg", value="one")}
    first = mirror.repo("acme/parts", files, branch="release")
    project = _project(tmp_path, "resources:\n- https://github.com/acme/parts//base?ref=release\n"
                                 "components:\n- git@github.com:acme/parts/comp?ref=release\n")
    env = dict(mirror.env)
    # scp-style github URLs clone over ssh; map them to the mirror too.
    config = Path(env["GIT_CONFIG_GLOBAL"])
    config.write_text(config.read_text() + f'[url "{mirror.root.as_posix()}/"]\n'
                      "\tinsteadOf = git@github.com:\n")
    assert run_lamina("vendor", "--project-dir", project, env=env).returncode == 0
    built = run_lamina("build", project / "env/prod", env=env)
    assert built.returncode == 0, built.stderr
    assert built.stdout == run_kustomize(kubectl, project / "env/prod", check=True, env=env).stdout
    # The branch moves: the pin does not, until --update.
    files["base/cm.yaml"] = CM.format(name="cfg", value="two")
    second = mirror.repo("acme/parts", files, branch="release")
    mirror.git(mirror.root.parent / "work/acme/parts", "push", "-q", "--force",
               str(mirror.root / "acme/parts.git"), "main:release")
    run_lamina("vendor", "--project-dir", project, env=env, check=True)
    commits = {e["commit"] for e in yaml.safe_load((project / "lamina.lock").read_text())["remotes"]}
    assert commits == {first}
    out = run_lamina("vendor", "--project-dir", project, "--update", env=env)
    assert out.returncode == 0, out.stderr
    commits = {e["commit"] for e in yaml.safe_load((project / "lamina.lock").read_text())["remotes"]}
    assert commits == {second}
    assert not (project / "vendor/github.com/acme/parts" / first).exists()
    built = run_lamina("build", project / "env/prod", env=env, check=True)
    assert built.stdout == run_kustomize(kubectl, project / "env/prod", check=True, env=env).stdout


def test_submodules_refused_clearly(tmp_path, mirror):
    mirror.repo("acme/lib", {"x.txt": "x\n"})
    work = mirror.root.parent / "work/acme/app"
    write_tree(work, {"base/kustomization.yaml": "resources: []\n"})
    mirror.git(work, "init", "-q", "-b", "main")
    mirror.git(work, "-c", "protocol.file.allow=always", "submodule", "add", "-q",
               str(mirror.root / "acme/lib.git"), "lib")
    mirror.git(work, "add", "-A")
    mirror.git(work, "commit", "-qm", "c")
    mirror.git(work, "tag", "v1")
    (mirror.root / "acme").mkdir(exist_ok=True)
    mirror.git(work, "clone", "-q", "--bare", str(work), str(mirror.root / "acme/app.git"))
    project = _project(tmp_path, "resources:\n- https://github.com/acme/app//base?ref=v1\n")
    out = run_lamina("vendor", "--project-dir", project, env=mirror.env)
    assert out.returncode == 1
    assert "submodules" in out.stderr and "?submodules=false" in out.stderr
    project2 = _project(tmp_path / "b", "resources:\n"
                        "- https://github.com/acme/app//base?ref=v1&submodules=false\n")
    assert run_lamina("vendor", "--project-dir", project2, env=mirror.env).returncode == 0


def test_file_urls_and_symlinks_refused(tmp_path, mirror):
    mirror.repo("acme/links", {"base/kustomization.yaml": "resources:\n- cm.yaml\n",
                               "real.yaml": CM.format(name="x", value="y")}, tag="v0")
    work = mirror.root.parent / "work/acme/links"
    (work / "base/cm.yaml").symlink_to("../real.yaml")
    mirror.git(work, "add", "-A")
    mirror.git(work, "commit", "-qm", "link")
    mirror.git(work, "tag", "v1")
    mirror.git(work, "push", "-q", "--tags", str(mirror.root / "acme/links.git"), "main")
    project = _project(tmp_path, "resources:\n- https://github.com/acme/links//base?ref=v1\n")
    out = run_lamina("vendor", "--project-dir", project, env=mirror.env)
    assert out.returncode == 1 and "symlink" in out.stderr
    local = f"file://{(mirror.root / 'acme/links.git').as_posix()}//base?ref=v0"
    project2 = _project(tmp_path / "b", f"resources:\n- {local}\n")
    out = run_lamina("vendor", "--project-dir", project2, env=mirror.env)
    assert out.returncode == 1 and "--allow-local" in out.stderr
    out = run_lamina("vendor", "--project-dir", project2, "--allow-local", env=mirror.env)
    assert out.returncode == 0, out.stderr
