"""Helpers of the security tests (tests/security): a small project, running lamina on it,
and a snapshot of everything lamina must not touch."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.helpers.cli import run_lamina
from tests.helpers.project import DEPLOYMENT


def project_files(env_names: tuple[str, ...] = ("dev", "prod")) -> dict[str, str]:
    """base/ with one Deployment that passes the checks; overlays/<env> in shop-<env>."""
    files = {"base/kustomization.yaml": "resources: [deploy.yaml]\n",
             "base/deploy.yaml": DEPLOYMENT}
    for env in env_names:
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"resources: [../../base]\nnamespace: shop-{env}\n")
    return files


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`lamina ARGS` in `root`, without LAMINA_DEBUG (the messages are what is tested)."""
    full = dict(os.environ)
    full.pop("LAMINA_DEBUG", None)
    full.update(env or {})
    return run_lamina(*args, cwd=root, env=full)


def snapshot(top: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[str, str]]:
    """Every entry below `top` (links not followed) and what it holds, except the real
    folders in `skip` (lamina's output folder): kind and content digest or link target."""
    out: dict[str, tuple[str, str]] = {}
    skipped = {os.path.normpath(str(p)) for p in skip}
    for dirpath, dirs, files in os.walk(top):
        for name in list(dirs):
            full = os.path.join(dirpath, name)
            if os.path.normpath(full) in skipped and not os.path.islink(full):
                dirs.remove(name)
                continue
            if os.path.islink(full):
                out[os.path.relpath(full, top)] = ("link", os.readlink(full))
            else:
                out[os.path.relpath(full, top)] = ("dir", "")
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, top)
            if os.path.islink(full):
                out[rel] = ("link", os.readlink(full))
            else:
                with open(full, "rb") as fh:
                    out[rel] = ("file", hashlib.sha256(fh.read()).hexdigest())
    return out
