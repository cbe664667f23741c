"""http(s) file URLs in patches and generators: Kustomize v5.8.1's file loader GETs them, so
`lamina vendor` pins them like a release-manifest URL and builds read the pinned copy."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.cli import run_kustomize, run_lamina
from tests.helpers.trees import write_tree

KUSTOMIZATION = """buildMetadata: [originAnnotations]
resources:
- cm.yaml
patches:
- path: {base}/patch.yaml
- path: {base}/ops.yaml
  target:
    kind: ConfigMap
    name: a
configMapGenerator:
- name: g
  files:
  - {base}/f.txt
  - key={base}/f.txt
  envs:
  - {base}/app.env
"""


def test_file_urls_in_patches_and_generators(tmp_path: Path, http_root, kubectl) -> None:
    root, base = http_root
    write_tree(root, {
        "patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: '1'\n",
        "ops.yaml": "- op: add\n  path: /data/j\n  value: '2'\n",
        "f.txt": "hello\n",
        "app.env": "A=1\nB=2\n",
    })
    project = tmp_path / "proj"
    write_tree(project, {
        "app/kustomization.yaml": KUSTOMIZATION.format(base=base),
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    })
    (project / ".git").mkdir()
    unpinned = run_lamina("build", project / "app")
    assert unpinned.returncode == 1
    # Generators run first: the env file's line is named.
    assert "kustomization.yaml:16:5:" in unpinned.stderr and "lamina vendor" in unpinned.stderr
    assert run_lamina("vendor", "--project-dir", project, check=True).returncode == 0
    oracle = run_kustomize(kubectl, project / "app", check=True)
    # Upstream changes after pinning: the build keeps the pinned bytes, offline.
    (root / "f.txt").write_text("changed\n")
    built = run_lamina("build", project / "app")
    assert built.returncode == 0, built.stderr
    assert built.stdout == oracle.stdout
    next(project.glob("vendor/http/**/patch.yaml")).write_text("x: 9\n")
    tampered = run_lamina("build", project / "app")
    assert tampered.returncode == 1
    assert "kustomization.yaml:5:9:" in tampered.stderr
    assert "does not match lamina.lock" in tampered.stderr


def test_url_like_local_path_is_a_missing_file(tmp_path: Path, kubectl) -> None:
    """Only http(s) is fetched there: `github.com/...` in a patch is a local path to Kustomize."""
    project = tmp_path / "proj"
    write_tree(project, {
        "app/kustomization.yaml": "resources:\n- cm.yaml\npatches:\n"
                                  "- path: github.com/acme/x/patch.yaml?ref=v1\n",
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    })
    (project / ".git").mkdir()
    assert run_kustomize(kubectl, project / "app").returncode == 1
    built = run_lamina("build", project / "app")
    assert built.returncode == 1
    assert "github.com/acme/x/patch.yaml?ref=v1" in built.stderr
    assert "lamina vendor" not in built.stderr
