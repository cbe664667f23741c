"""The one place lamina runs git (render's source lookup, diff's revisions, publish, rollback,
history and status all come through here). Writes use plumbing only, against a private index
file, so the user's work tree, index and current branch are never touched."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from lamina.errors import LaminaError, SourceRef

ZERO_SHA = "0" * 40


class GitError(LaminaError):
    """A git command failed; the message carries git's own words."""


@dataclass(frozen=True)
class LogEntry:
    """One commit as history and the publish checks read it."""

    sha: str
    parents: tuple[str, ...]
    author: str                 # "Name <email>"
    committer: str              # "Name <email>"
    date: str                   # committer date, ISO 8601
    author_date: str
    subject: str
    body: str                   # the whole message


@dataclass(frozen=True)
class Git:
    root: str                          # any directory inside the repository

    def run(self, *args: str, input: str | bytes | None = None,
            env: dict[str, str] | None = None, check: bool = True,
            timeout: float = 600) -> subprocess.CompletedProcess[Any]:
        full_env = dict(os.environ)
        full_env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        if env:
            full_env.update(env)
        text = not isinstance(input, bytes)
        try:
            proc = subprocess.run(["git", "-C", self.root, *args], input=input,
                                  capture_output=True, text=text, env=full_env, timeout=timeout)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} timed out") from None
        if check and proc.returncode != 0:
            err = proc.stderr if text else proc.stderr.decode("utf-8", "replace")
            raise GitError(f"git {' '.join(args[:2])} failed: {err.strip()}")
        return proc

    def out(self, *args: str, **kw: Any) -> str:
        return str(self.run(*args, **kw).stdout).strip()

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0

    # ---- queries ---------------------------------------------------------------------
    def is_repo(self) -> bool:
        try:
            return self.ok("rev-parse", "--git-dir")
        except GitError:
            return False

    def toplevel(self) -> str:
        proc = self.run("rev-parse", "--show-toplevel", check=False)
        if proc.returncode != 0:
            raise GitError(f"{self.root} is not inside a git repository: run lamina from a clone "
                           "of your repository (or `git init` and commit the sources first)")
        return str(proc.stdout).strip()

    def git_path(self, name: str) -> str:
        """The absolute path of `name` inside the (common) git directory."""
        path = self.out("rev-parse", "--git-path", name)
        return path if os.path.isabs(path) else os.path.join(self.root, path)

    def resolve(self, rev: str) -> str | None:
        proc = self.run("rev-parse", "--verify", "-q", "--end-of-options", rev + "^{commit}",
                        check=False)
        return str(proc.stdout).strip() if proc.returncode == 0 else None

    def head(self) -> str:
        sha = self.resolve("HEAD")
        if sha is None:
            self.toplevel()     # outside a repository is another mistake than no commits
            raise GitError("the repository has no commits yet: commit your sources first",
                           SourceRef(self.root))
        return sha

    def config(self, key: str) -> str | None:
        proc = self.run("config", "--get", key, check=False)
        value = str(proc.stdout).strip()
        return value if proc.returncode == 0 and value else None

    def remotes(self) -> list[str]:
        return [r for r in self.out("remote").split("\n") if r]

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.ok("merge-base", "--is-ancestor", older, newer)

    def has_object(self, sha: str) -> bool:
        return self.ok("cat-file", "-e", sha + "^{commit}")

    def is_shallow(self) -> bool:
        return self.out("rev-parse", "--is-shallow-repository") == "true"

    def shallow_commits(self) -> set[str]:
        try:
            with open(self.git_path("shallow"), encoding="ascii") as fh:
                return {line.strip() for line in fh if line.strip()}
        except OSError:
            return set()

    def current_branch(self) -> str | None:
        proc = self.run("symbolic-ref", "-q", "HEAD", check=False)
        return str(proc.stdout).strip() or None

    def upstream(self) -> str | None:
        """The full ref of the current branch's upstream (refs/remotes/origin/main)."""
        proc = self.run("rev-parse", "--symbolic-full-name", "@{upstream}", check=False)
        return str(proc.stdout).strip() if proc.returncode == 0 else None

    def checked_out_branches(self) -> set[str]:
        """Full refs of the branches checked out in any worktree of this repository."""
        out = self.out("worktree", "list", "--porcelain")
        return {line.split(" ", 1)[1] for line in out.split("\n") if line.startswith("branch ")}

    def check_branch_name(self, name: str) -> None:
        proc = self.run("check-ref-format", "--branch", name, check=False)
        if proc.returncode != 0 or name.startswith("-"):
            raise GitError(f"'{name}' is not a valid branch name")

    def read_blob(self, rev: str, path: str) -> str | None:
        proc = self.run("cat-file", "-p", f"{rev}:{path}", check=False)
        return str(proc.stdout) if proc.returncode == 0 else None

    def read_blobs(self, shas: list[str]) -> dict[str, str]:
        """The text of many blobs in one git process (cat-file --batch)."""
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        data = self.run("cat-file", "--batch", input=("\n".join(wanted) + "\n").encode()).stdout
        out: dict[str, str] = {}
        pos = 0
        for sha in wanted:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            size = int(header[2])
            out[sha] = data[end + 1:end + 1 + size].decode("utf-8", "replace")
            pos = end + 1 + size + 1
        return out

    def tree_of(self, commit: str) -> str:
        return self.out("rev-parse", commit + "^{tree}")

    def ls_tree(self, rev: str, path: str = "") -> list[tuple[str, str, str]]:
        """(mode, sha, path) of every blob under `path` in `rev`."""
        args = ["ls-tree", "-r", "-z", "--full-tree", rev]
        if path:
            args += ["--", path]
        proc = self.run(*args)
        entries = []
        for line in str(proc.stdout).split("\0"):
            if not line:
                continue
            meta, name = line.split("\t", 1)
            mode, _type, sha = meta.split()
            entries.append((mode, sha, name))
        return entries

    def log(self, *revs_and_paths: str, first_parent: bool = False,
            max_count: int | None = None) -> list[LogEntry]:
        """Commits of `git log REV... [-- PATH...]`, newest first."""
        args = ["log", "-z", "--format=%H%x1f%P%x1f%an <%ae>%x1f%cn <%ce>%x1f%cI%x1f%aI%x1f%s%x1f%B"]
        if first_parent:
            args.append("--first-parent")
        if max_count is not None:
            args.append(f"--max-count={max_count}")
        proc = self.run(*args, *revs_and_paths)
        entries = []
        for record in str(proc.stdout).split("\0"):
            if not record.strip():
                continue
            sha, parents, author, committer, date, adate, subject, body = \
                record.lstrip("\n").split("\x1f", 7)
            entries.append(LogEntry(sha, tuple(parents.split()), author, committer, date, adate,
                                    subject, body))
        return entries

    # ---- writing objects -------------------------------------------------------------
    def write_blobs(self, contents: dict[str, str]) -> dict[str, str]:
        """Store each text as a blob; returns path -> blob sha. One git process in all."""
        if not contents:
            return {}
        with tempfile.TemporaryDirectory(prefix="lamina-blobs-") as tmp:
            paths = []
            for i, (rel, text) in enumerate(sorted(contents.items())):
                p = os.path.join(tmp, str(i))
                with open(p, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                paths.append((rel, p))
            out = self.out("hash-object", "-w", "--no-filters", "--stdin-paths",
                           input="\n".join(p for _r, p in paths) + "\n")
        shas = out.split("\n")
        return {rel: sha for (rel, _p), sha in zip(paths, shas)}

    def build_tree(self, base_tree: str | None, remove: list[str],
                   add: dict[str, str]) -> str:
        """A new tree: `base_tree` minus `remove` plus `add` (path -> blob sha), built in a
        private index file."""
        with tempfile.TemporaryDirectory(prefix="lamina-index-") as tmp:
            env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
            if base_tree:
                self.run("read-tree", base_tree, env=env)
            else:
                self.run("read-tree", "--empty", env=env)
            lines = [f"0 {ZERO_SHA}\t{p}" for p in remove]
            lines += [f"100644 {sha}\t{p}" for p, sha in sorted(add.items())]
            if lines:
                self.run("update-index", "--index-info", input="\n".join(lines) + "\n", env=env)
            return self.out("write-tree", env=env)

    def commit_tree(self, tree: str, parents: list[str], message: str,
                    author: tuple[str, str, str | None],
                    committer: tuple[str, str, str | None]) -> str:
        """A commit object; author and committer are (name, email, date or None: now)."""
        args = ["commit-tree", tree]
        for p in parents:
            args += ["-p", p]
        env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_COMMITTER_NAME": committer[0], "GIT_COMMITTER_EMAIL": committer[1]}
        if author[2]:
            env["GIT_AUTHOR_DATE"] = author[2]
        if committer[2]:
            env["GIT_COMMITTER_DATE"] = committer[2]
        return self.out(*args, input=message, env=env)

    def compare_and_swap(self, ref: str, new: str, old: str | None) -> bool:
        """Move `ref` to `new` only if it still points at `old` (None: must not exist)."""
        proc = self.run("update-ref", ref, new, old or ZERO_SHA, check=False)
        return proc.returncode == 0


def is_lock_contention(stderr: str) -> bool:
    """git's words when another process holds a ref or index lock (retry, do not fail)."""
    text = stderr.lower()
    return ("cannot lock ref" in text or "unable to create" in text and ".lock" in text
            or "failed to lock" in text or "is at" in text and "but expected" in text
            or "incorrect old value" in text)


def canonical_url(url: str, toplevel: str = ".") -> str:
    """One spelling per remote, so the rendered bytes do not depend on how it was cloned.

    scp-style (`git@host:org/repo.git`), `ssh://`, `git://`, `http(s)://` become
    `https://host/org/repo` (no user, no credentials, no `.git`); `file://` URLs and plain
    paths become `file://` plus the real absolute path (a work tree's `/.git` dropped)."""
    import re
    from urllib.parse import urlsplit
    url = url.strip()
    if not url:
        return ""
    scp = re.match(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$", url)
    if "://" not in url and scp and not re.match(r"^[A-Za-z]:[\\/]", url):
        host, path, port = scp.group(1), scp.group(2), None
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", url) and not url.startswith("file://"):
        parts = urlsplit(url)
        host = parts.hostname or ""
        path = parts.path
        port = parts.port if parts.scheme in ("http", "https") and parts.port not in (80, 443) else None
    else:
        local = url[len("file://"):] if url.startswith("file://") else url
        local = os.path.realpath(os.path.join(toplevel, os.path.expanduser(local)))
        if local.endswith(os.sep + ".git"):
            local = local[:-5]
        return "file://" + local
    path = path.strip("/")
    if path.startswith("~"):
        path = path[1:].lstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    netloc = host.lower() + (f":{port}" if port else "")
    return f"https://{netloc}/{path}".rstrip("/")


class ShallowHistoryError(GitError):
    """The clone is too shallow to name the commit that last changed an environment."""


SHALLOW_HELP = ("clone with full history (`git clone` without --depth, or actions/checkout "
                "with fetch-depth: 0), or run `git fetch --unshallow`")


def deepen(git: Git, remote: str | None, notify: Any = None) -> None:
    """Make a shallow clone whole before anything names a source commit: the oldest commit
    of a shallow clone looks as if it changed every file, so drySha would name it wrongly.
    Fetches the rest of the history from `remote` (or origin, or the only remote); without
    one, refuses with how to clone."""
    if not git.is_repo() or not git.is_shallow():
        return
    remotes = git.remotes()
    name = remote if remote in remotes else "origin" if "origin" in remotes else \
        remotes[0] if len(remotes) == 1 else None
    if name is None:
        raise ShallowHistoryError("this is a shallow clone and there is no remote to fetch the "
                                  f"rest of its history from; {SHALLOW_HELP}")
    if notify is not None:
        notify(f"shallow clone: fetching the rest of the history from {name} so that drySha "
               "names the right commits")
    proc = git.run("fetch", "--unshallow", "--no-tags", "--quiet", name, check=False)
    if proc.returncode != 0 and git.is_shallow():
        raise ShallowHistoryError(f"this is a shallow clone and `git fetch --unshallow {name}` "
                                  f"failed: {str(proc.stderr).strip()}; {SHALLOW_HELP}")
