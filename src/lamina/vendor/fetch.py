"""Fetching with the git CLI (so the user's git config, credentials and insteadOf rules
apply) and with urllib for plain file URLs. Only `lamina vendor` calls this module."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import urllib.request

from lamina.vendor.lock import VendorError
from lamina.vendor.parse import RepoSpec

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_MAX_HTTP_BYTES = 64 * 1024 * 1024


# Kustomize bounds each git command by ?timeout= (27 s by default) on every build; vendoring
# happens once, often of a large repository on a busy CI runner, so it waits at least this.
_MIN_TIMEOUT = 300.0


def _git(args: list[str], timeout: float, cwd: str | None = None) -> str:
    timeout = max(timeout, _MIN_TIMEOUT)
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        command = next((a for a in args if not a.startswith("-") and "=" not in a), "")
        url = next((a for a in args if "://" in a or a.startswith(("git@", "/"))), "")
        what = f"git {command} {url}".strip()
        raise VendorError(f"{what} timed out after {timeout:g}s (raise it with ?timeout= in "
                          "the URL, as Kustomize reads it)") from None
    except FileNotFoundError:
        raise VendorError("git is not installed: `lamina vendor` fetches with the git CLI") from None
    if proc.returncode != 0:
        raise VendorError(f"git {' '.join(args[:2])} failed: {proc.stderr.strip()}")
    return proc.stdout


def resolve_commit(spec: RepoSpec) -> str:
    """The commit `spec.ref` names on the remote now (annotated tags peeled)."""
    ref = spec.ref or "HEAD"
    out = _git(["ls-remote", "--", spec.clone_url, ref, f"{ref}^{{}}"] if spec.ref else
               ["ls-remote", "--", spec.clone_url, "HEAD"], spec.timeout)
    found: dict[str, str] = {}
    for line in out.splitlines():
        sha, _, name = line.partition("\t")
        found[name] = sha
    for name in (f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}", ref,
                 f"{ref}^{{}}"):
        if name in found:
            return found[name]
    peeled = [sha for name, sha in found.items() if name.endswith("^{}")]
    if peeled:
        return peeled[0]
    if found:
        return next(iter(found.values()))
    if _SHA.match(ref):
        return ref          # a commit id: fetched by id below, and checked there
    raise VendorError(f"ref '{ref}' not found in {spec.clone_url}")


def checkout(spec: RepoSpec, commit: str, dest: str) -> str:
    """The tree of `commit` checked out in the empty folder `dest` (no .git kept); returns
    the full commit id (`commit` may be an abbreviated id from `?ref=`)."""
    work = tempfile.mkdtemp(prefix="lamina-vendor-")
    try:
        _git(["init", "--quiet", work], spec.timeout)
        want = commit if (not spec.ref or _SHA.match(spec.ref)) else spec.ref
        try:
            _git(["fetch", "--quiet", "--depth", "1", "--no-tags", "--", spec.clone_url, want],
                 spec.timeout, cwd=work)
        except VendorError:
            _git(["fetch", "--quiet", "--no-tags", "--", spec.clone_url], spec.timeout, cwd=work)
        got = _git(["rev-parse", "--verify", f"{commit}^{{commit}}"], spec.timeout, cwd=work)
        if not got.strip().startswith(commit):
            raise VendorError(f"{spec.clone_url}: fetched {got.strip()}, expected {commit}")
        commit = got.strip()
        tree = _git(["ls-tree", "-r", "-z", "--full-tree", commit], spec.timeout, cwd=work)
        for item in filter(None, tree.split("\0")):
            mode = item.split(" ", 1)[0]
            if mode == "160000" and spec.submodules:
                raise VendorError(
                    f"{spec.raw}: the repository has git submodules, which lamina does not vendor;"
                    " add ?submodules=false to the URL if the base does not need them")
        _git(["-c", "core.symlinks=true", "checkout", "--quiet", commit, "--", "."],
             spec.timeout, cwd=work)
        shutil.rmtree(os.path.join(work, ".git"))
        os.makedirs(dest, exist_ok=True)
        for name in os.listdir(work):
            shutil.move(os.path.join(work, name), os.path.join(dest, name))
        return commit
    finally:
        shutil.rmtree(work, ignore_errors=True)


def http_get(url: str, timeout: float = 60.0) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - http(s) only
            data = resp.read(_MAX_HTTP_BYTES + 1)
    except OSError as exc:
        raise VendorError(f"cannot fetch {url}: {exc}") from None
    if len(data) > _MAX_HTTP_BYTES:
        raise VendorError(f"{url} is larger than {_MAX_HTTP_BYTES} bytes")
    return data
