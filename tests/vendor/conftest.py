"""Local bare repositories served as https://github.com/... through git's insteadOf."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.trees import write_tree


@dataclass
class Mirror:
    root: Path                 # holds <org>/<repo>.git bare repositories
    env: dict[str, str]        # GIT_CONFIG_GLOBAL with the insteadOf rule; for lamina and kubectl

    def git(self, cwd: Path, *args: str) -> str:
        return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                              text=True, env=self.env).stdout.strip()

    def repo(self, name: str, files: dict[str, str], tag: str = "", annotated: str = "",
             branch: str = "") -> str:
        """A bare repository `name` (org/repo) whose one commit holds `files`; its commit id."""
        work = self.root.parent / "work" / name
        write_tree(work, files)
        self.git(work, "init", "-q", "-b", "main")
        self.git(work, "add", "-A")
        self.git(work, "commit", "-qm", "c")
        if tag:
            self.git(work, "tag", "-f", tag)
        if annotated:
            self.git(work, "tag", "-f", "-a", annotated, "-m", "release")
        if branch:
            self.git(work, "branch", "-f", branch)
        bare = self.root / f"{name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        if bare.exists():
            self.git(work, "push", "-q", "--force", "--tags", str(bare), "main",
                     *([branch] if branch else []))
        else:
            subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True,
                           env=self.env, capture_output=True)
        return self.git(work, "rev-parse", "HEAD")


@pytest.fixture
def mirror(tmp_path: Path) -> Mirror:
    root = tmp_path / "mirror"
    root.mkdir()
    config = tmp_path / "gitconfig"
    config.write_text(f'[url "{root.as_posix()}/"]\n\tinsteadOf = https://github.com/\n'
                      "\tinsteadOf = git@github.com:\n\tinsteadOf = ssh://git@github.com/\n"
                      "[user]\n\tname = t\n\temail = t@example.com\n"
                      "[init]\n\tdefaultBranch = main\n")
    env = dict(os.environ, GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1",
               HOME=str(tmp_path))
    return Mirror(root, env)


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on 127.0.0.1 for the test only (shut down when it ends)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _Registry(http.server.BaseHTTPRequestHandler):
    """The read side of the OCI distribution API, enough for `helm pull oci://`: manifests
    by tag or digest, blobs by digest, the tag list. Content lives in `self.server.store`."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        store: dict[str, tuple[str, bytes]] = self.server.store  # type: ignore[attr-defined]
        token = store.get("token")
        path = self.path.split("?")[0]
        if token is not None and path == "/token":
            # Anonymous pull token, as ghcr.io hands out (the scope must be asked for).
            if "scope=repository%3Acharts%2Fweb%3Apull" not in self.path:
                self.send_error(400)
                return
            store = {"/token": ("application/json", b'{"token": "%s"}' % token[1])}
        elif token is not None and self.headers.get("Authorization") != \
                f"Bearer {token[1].decode()}":
            port = self.server.server_address[1]  # type: ignore[attr-defined]
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Bearer realm="http://127.0.0.1:{port}/token",'
                             'service="registry",scope="repository:charts/web:pull"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        found = store.get(path)
        if found is None:
            self.send_error(404)
            return
        media_type, body = found
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Registry:
    host: str                                   # 127.0.0.1:<port>
    store: dict[str, tuple[str, bytes]]

    def push_chart(self, repo: str, tag: str, archive: bytes) -> str:
        """Stores a chart archive as `repo:tag` (Helm's media types); the manifest digest."""
        import hashlib
        import json
        config = b"{}"
        layer = "sha256:" + hashlib.sha256(archive).hexdigest()
        cfg = "sha256:" + hashlib.sha256(config).hexdigest()
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": cfg,
                       "size": len(config)},
            "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                        "digest": layer, "size": len(archive)}]}).encode()
        digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
        self.store[f"/v2/{repo}/blobs/{layer}"] = ("application/octet-stream", archive)
        self.store[f"/v2/{repo}/blobs/{cfg}"] = ("application/octet-stream", config)
        for ref in (tag, digest):
            self.store[f"/v2/{repo}/manifests/{ref}"] = (
                "application/vnd.oci.image.manifest.v1+json", manifest)
        tags = sorted({*self._tags(repo), tag})
        self.store[f"/v2/{repo}/tags/list"] = (
            "application/json", json.dumps({"name": repo, "tags": tags}).encode())
        return digest

    def _tags(self, repo: str) -> list[str]:
        import json
        found = self.store.get(f"/v2/{repo}/tags/list")
        return list(json.loads(found[1])["tags"]) if found else []


@pytest.fixture
def oci_registry() -> Iterator[Registry]:
    """A minimal OCI registry on 127.0.0.1 for the test only (shut down when it ends)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    server.store = {}  # type: ignore[attr-defined]
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Registry(f"127.0.0.1:{server.server_address[1]}", server.store)  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
