"""Running git in a scratch repository, isolated from the user's and the machine's settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """`git -C REPO ARGS...`: its stdout, stripped; a failing command fails the test.

    A fixed identity, HOME in the repository (no ~/.gitconfig), no system config, and the
    caller's PATH, wherever git is installed on this machine.
    """
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo),
           "PATH": os.environ.get("PATH", os.defpath)}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()
