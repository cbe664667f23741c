"""Remote helmCharts (`repo:` an HTTP chart repository or an oci:// registry): `lamina vendor`
pins each chart by digest, builds read the verified copy offline, and render it as they render
the same chart pulled where Kustomize pulls it (<chartHome>/<name>-<version>/<name>)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: web\nversion: {version}\nappVersion: \"1.25\"\n",
    "values.yaml": "replicas: 1\n",
    "templates/deploy.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-web\n"
        "spec:\n  replicas: {{{{ .Values.replicas }}}}\n  template:\n    spec:\n"
        "      containers:\n      - name: web\n        image: nginx:{{{{ .Chart.AppVersion }}}}\n",
}


def _files(version: str) -> dict[str, str]:
    return {k: v.format(version=version) for k, v in CHART.items()}


def _archive(version: str, extra: tarfile.TarInfo | None = None) -> bytes:
    """`helm package`'s layout: every file under `web/`."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for rel, text in sorted(_files(version).items()):
            data = text.encode()
            info = tarfile.TarInfo(f"web/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra is not None:
            tar.addfile(extra)
    return out.getvalue()


def _publish(root: Path, versions: dict[str, bytes]) -> None:
    """An HTTP chart repository: index.yaml (with each archive's digest) and the archives."""
    entries = []
    for version, archive in versions.items():
        (root / f"web-{version}.tgz").write_bytes(archive)
        entries.append({"name": "web", "version": version, "urls": [f"web-{version}.tgz"],
                        "digest": hashlib.sha256(archive).hexdigest()})
    (root / "index.yaml").write_text(yaml.safe_dump({"apiVersion": "v1",
                                                     "entries": {"web": entries}}))


def _project(tmp_path: Path, repo: str, version: str = "0.1.0") -> Path:
    project = tmp_path / "proj"
    pin = f"  version: {version}\n" if version else ""
    write_tree(project, {"app/kustomization.yaml":
                         f"namespace: prod\nhelmCharts:\n- name: web\n  repo: {repo}\n{pin}"
                         "  releaseName: shop\n  valuesInline:\n    replicas: 3\n"})
    (project / ".git").mkdir()
    return project


def _pulled_build(tmp_path: Path, repo: str) -> str:
    """The same kustomization with the chart already where Kustomize pulls it."""
    other = tmp_path / "pulled"
    write_tree(other, {"app/kustomization.yaml":
                       (tmp_path / "proj/app/kustomization.yaml").read_text(),
                       **{f"app/charts/web-0.1.0/web/{k}": v for k, v in _files("0.1.0").items()}})
    (other / ".git").mkdir()
    return run_lamina("build", other / "app", check=True).stdout


def _vendor_and_build(tmp_path: Path, project: Path, repo: str) -> dict[str, str]:
    unpinned = run_lamina("build", project / "app")
    assert unpinned.returncode == 1
    assert "app/kustomization.yaml:4:9:" in unpinned.stderr or \
        "kustomization.yaml:4:9:" in unpinned.stderr
    assert "run `lamina vendor`" in unpinned.stderr
    vend = run_lamina("vendor", "--project-dir", project)
    assert vend.returncode == 0, vend.stderr
    (entry,) = yaml.safe_load((project / "lamina.lock").read_text())["remotes"]
    assert entry["kind"] == "helm" and entry["repo"] == repo and entry["ref"] == "0.1.0"
    assert (project / entry["vendored"] / "Chart.yaml").is_file()
    # A tampered vendored chart is refused, with or without the Helm engine.
    values = project / entry["vendored"] / "values.yaml"
    values.write_text("replicas: 9\n")
    tampered = run_lamina("build", project / "app")
    assert tampered.returncode == 1
    assert "does not match lamina.lock" in tampered.stderr and "kustomization.yaml:4:9:" in \
        tampered.stderr
    return entry


def test_http_chart_repository(tmp_path: Path, http_root) -> None:
    root, base = http_root
    archive = _archive("0.1.0")
    _publish(root, {"0.1.0": archive, "0.2.0": _archive("0.2.0")})
    repo = f"{base}/"
    entry = _vendor_and_build(tmp_path, _project(tmp_path, repo), repo)
    assert entry["commit"] == "sha256:" + hashlib.sha256(archive).hexdigest()


def test_oci_registry(tmp_path: Path, oci_registry) -> None:
    digest = oci_registry.push_chart("charts/web", "0.1.0", _archive("0.1.0"))
    oci_registry.push_chart("charts/web", "0.2.0", _archive("0.2.0"))
    repo = f"oci://{oci_registry.host}/charts"
    entry = _vendor_and_build(tmp_path, _project(tmp_path, repo), repo)
    assert entry["commit"] == digest


@pytest.mark.parametrize("kind", ["http", "oci"])
def test_vendored_chart_renders_as_the_chart_kustomize_pulls(tmp_path: Path, http_root,
                                                              oci_registry, kind: str) -> None:
    pytest.importorskip("helm_python", reason="rendering a chart needs the lamina[helm] extra "
                        "(helm-python-sdk); vendoring and verification are tested without it")
    if kind == "http":
        _publish(http_root[0], {"0.1.0": _archive("0.1.0")})
        repo = http_root[1]
    else:
        oci_registry.push_chart("charts/web", "0.1.0", _archive("0.1.0"))
        repo = f"oci://{oci_registry.host}/charts"
    project = _project(tmp_path, repo)
    run_lamina("vendor", "--project-dir", project, check=True)
    built = run_lamina("build", project / "app")
    assert built.returncode == 0, built.stderr
    assert built.stdout == _pulled_build(tmp_path, repo)
    assert "replicas: 3" in built.stdout and "namespace: prod" in built.stdout
    assert "name: shop-web" in built.stdout and "image: nginx:1.25" in built.stdout


def test_oci_registry_asking_for_an_anonymous_token(tmp_path: Path, oci_registry) -> None:
    oci_registry.store["token"] = ("", b"t0ken")
    digest = oci_registry.push_chart("charts/web", "0.1.0", _archive("0.1.0"))
    project = _project(tmp_path, f"oci://{oci_registry.host}/charts")
    run_lamina("vendor", "--project-dir", project, check=True)
    (entry,) = yaml.safe_load((project / "lamina.lock").read_text())["remotes"]
    assert entry["commit"] == digest


def test_unversioned_chart_pins_the_newest_release(tmp_path: Path, oci_registry) -> None:
    oci_registry.push_chart("charts/web", "0.1.0", _archive("0.1.0"))
    oci_registry.push_chart("charts/web", "0.3.0-rc.1", _archive("0.3.0-rc.1"))
    moved = oci_registry.push_chart("charts/web", "0.2.0", _archive("0.2.0"))
    project = _project(tmp_path, f"oci://{oci_registry.host}/charts", version="")
    run_lamina("vendor", "--project-dir", project, check=True)
    (entry,) = yaml.safe_load((project / "lamina.lock").read_text())["remotes"]
    assert entry["commit"] == moved and entry["vendored"].endswith("/0.2.0")
    # A newer release upstream changes nothing until --update moves the pin.
    newer = oci_registry.push_chart("charts/web", "0.4.0", _archive("0.4.0"))
    run_lamina("vendor", "--project-dir", project, check=True)
    assert yaml.safe_load((project / "lamina.lock").read_text())["remotes"][0] == entry
    run_lamina("vendor", "--project-dir", project, "--update", check=True)
    assert yaml.safe_load((project / "lamina.lock").read_text())["remotes"][0]["commit"] == newer


def test_changed_upstream_chart_and_unsafe_archives_are_refused(tmp_path: Path,
                                                                 http_root) -> None:
    root, base = http_root
    _publish(root, {"0.1.0": _archive("0.1.0")})
    project = _project(tmp_path, base)
    run_lamina("vendor", "--project-dir", project, check=True)
    (entry,) = yaml.safe_load((project / "lamina.lock").read_text())["remotes"]
    # The same version re-published with other bytes: the vendored copy is gone, re-fetching
    # finds a different digest, and vendor refuses rather than silently re-pinning.
    republished = _files("0.1.0")
    republished["values.yaml"] = "replicas: 5\n"
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for rel, text in republished.items():
            info = tarfile.TarInfo(f"web/{rel}")
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    _publish(root, {"0.1.0": out.getvalue()})
    import shutil
    shutil.rmtree(project / entry["vendored"])
    again = run_lamina("vendor", "--project-dir", project)
    assert again.returncode == 1 and "changed upstream" in again.stderr
    # An archive with a symlink (or a path outside web/) is refused and leaves nothing.
    link = tarfile.TarInfo("web/templates/evil.yaml")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    _publish(root, {"0.1.0": _archive("0.1.0", link)})
    moved = run_lamina("vendor", "--project-dir", project, "--update")
    assert moved.returncode == 1 and "plain files only" in moved.stderr
    assert not (project / entry["vendored"]).exists()


@pytest.mark.parametrize("repo", ["file:///tmp/charts", "charts.example.com"])
def test_chart_repository_must_be_http_or_oci(tmp_path: Path, repo: str) -> None:
    project = _project(tmp_path, repo)
    out = run_lamina("vendor", "--project-dir", project)
    assert out.returncode == 1 and "must be an http(s) or oci:// URL" in out.stderr
    assert "kustomization.yaml" in out.stderr


def test_without_the_helm_extra_the_lock_is_still_verified(tmp_path: Path, oci_registry,
                                                           monkeypatch) -> None:
    import sys

    from lamina.errors import NotSupportedError
    from lamina.kustomize.build import build
    from lamina.vendor.lock import VendorError
    oci_registry.push_chart("charts/web", "0.1.0", _archive("0.1.0"))
    project = _project(tmp_path, f"oci://{oci_registry.host}/charts")
    run_lamina("vendor", "--project-dir", project, check=True)
    monkeypatch.setitem(sys.modules, "helm_python", None)      # the extra is not installed
    with pytest.raises(NotSupportedError, match=r"pip install 'lamina\[helm\]'"):
        build(str(project / "app"))
    (entry,) = yaml.safe_load((project / "lamina.lock").read_text())["remotes"]
    (project / entry["vendored"] / "values.yaml").write_text("replicas: 9\n")
    with pytest.raises(VendorError, match="does not match lamina.lock"):
        build(str(project / "app"))
