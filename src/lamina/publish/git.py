"""The one place lamina runs git. Plumbing commands only, against a private index file, so
the user's work tree and index are never touched."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass

from lamina.errors import LaminaError, SourceRef

ZERO_SHA = "0" * 40


class GitError(LaminaError):
    """A git command failed; the message carries git's own words."""


@dataclass(frozen=True)
class Git:
    root: str                          # any directory inside the repository

    def run(self, *args: str, input: str | bytes | None = None, env: dict | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        full_env = dict(os.environ)
        full_env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        if env:
            full_env.update(env)
        text = not isinstance(input, bytes)
        try:
            proc = subprocess.run(["git", "-C", self.root, *args], input=input,
                                  capture_output=True, text=text, env=full_env, timeout=600)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} timed out") from None
        if check and proc.returncode != 0:
            err = proc.stderr if text else proc.stderr.decode("utf-8", "replace")
            raise GitError(f"git {' '.join(args[:2])} failed: {err.strip()}")
        return proc

    def out(self, *args: str, **kw) -> str:
        return self.run(*args, **kw).stdout.strip()

    # ---- queries ---------------------------------------------------------------------
    def toplevel(self) -> str:
        proc = self.run("rev-parse", "--show-toplevel", check=False)
        if proc.returncode != 0:
            raise GitError(f"{self.root} is not inside a git repository: run lamina from a clone "
                           "of your repository (or `git init` and commit the sources first)")
        return proc.stdout.strip()

    def resolve(self, rev: str) -> str | None:
        proc = self.run("rev-parse", "--verify", "-q", rev + "^{commit}", check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def head(self) -> str:
        sha = self.resolve("HEAD")
        if sha is None:
            self.toplevel()     # outside a repository is another mistake than no commits
            raise GitError("the repository has no commits yet: commit your sources first",
                           SourceRef(self.root))
        return sha

    def check_branch_name(self, name: str) -> None:
        proc = self.run("check-ref-format", "--branch", name, check=False)
        if proc.returncode != 0 or name.startswith("-"):
            raise GitError(f"'{name}' is not a valid branch name")

    def read_blob(self, rev: str, path: str) -> str | None:
        proc = self.run("cat-file", "-p", f"{rev}:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def tree_of(self, commit: str) -> str:
        return self.out("rev-parse", commit + "^{tree}")

    def ls_tree(self, rev: str, path: str = "") -> list[tuple[str, str, str]]:
        """(mode, sha, path) of every blob under `path` in `rev`."""
        args = ["ls-tree", "-r", "-z", rev]
        if path:
            args += ["--", path]
        proc = self.run(*args)
        entries = []
        for line in proc.stdout.split("\0"):
            if not line:
                continue
            meta, name = line.split("\t", 1)
            mode, _type, sha = meta.split()
            entries.append((mode, sha, name))
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

    def commit_tree(self, tree: str, parents: list[str], message: str, author: str,
                    email: str, date: str | None) -> str:
        args = ["commit-tree", tree]
        for p in parents:
            args += ["-p", p]
        env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email}
        if date:
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = date
        return self.out(*args, input=message, env=env)

    def compare_and_swap(self, ref: str, new: str, old: str | None) -> bool:
        """Move `ref` to `new` only if it still points at `old` (None: must not exist)."""
        proc = self.run("update-ref", ref, new, old or ZERO_SHA, check=False)
        return proc.returncode == 0
