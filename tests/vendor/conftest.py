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
