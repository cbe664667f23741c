"""Does the render match its source commit? Publish names a source commit, so every input
any environment read must be exactly that commit's file: a modified, staged, untracked or
ignored input, a deleted file beside the inputs, or `--set`/`--values` on the command line
makes the render something the commit does not hold."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from lamina.git import Git
from lamina.kustomize.dialect import ValuesOptions


@dataclass(frozen=True)
class Dirt:
    files: tuple[tuple[str, str], ...]     # (project-relative path, why) in path order
    flags: tuple[str, ...]                 # the command-line values, as typed
    digest: str                            # sha256 over both, "" when clean

    @property
    def clean(self) -> bool:
        return not self.files and not self.flags

    def describe(self) -> str:
        parts = [f"{path} ({why})" for path, why in self.files]
        parts += [f"command line: {flag}" for flag in self.flags]
        return ", ".join(parts)


def _flags(values: ValuesOptions) -> list[str]:
    return ([f"--values {f}" for f in values.files] + [f"--set {s}" for s in values.sets]
            + [f"--set-string {s}" for s in values.set_strings])


def dirty_inputs(git: Git, project_root: str, inputs: set[str],
                 values: ValuesOptions = ValuesOptions(), head: str = "HEAD") -> Dirt:
    """Compare every input (project-relative paths) with `head`: git's own object id of each
    file as `git add` would store it, against the commit's tree."""
    top = os.path.realpath(git.toplevel())
    root = os.path.realpath(project_root)

    def full(rel: str) -> str:
        return os.path.relpath(os.path.normpath(os.path.join(root, rel)), top)

    tracked = {path: sha for _mode, sha, path in git.ls_tree(head)}
    present = sorted(p for p in inputs if os.path.isfile(os.path.join(root, p)))
    working: dict[str, str] = {}
    if present:
        out = git.out("hash-object", "--stdin-paths",
                      input="".join(os.path.join(root, p) + "\n" for p in present))
        working = dict(zip(present, out.split("\n")))
    found: list[tuple[str, str]] = []
    for rel in present:
        path = full(rel)
        if path.startswith(".." + os.sep):
            continue                      # outside the repository: --values from elsewhere
        if path not in tracked:
            found.append((rel, "not committed"))
        elif tracked[path] != working[rel]:
            found.append((rel, "modified"))
    # A tracked file deleted beside the inputs (a patch dropped from a folder the render
    # reads) changes what the commit would render without showing among the inputs.
    folders = {os.path.dirname(full(p)) for p in inputs}
    deleted = git.out("diff-index", "--name-only", "-z", "--no-renames", "--diff-filter=D",
                      head, "--", ":/", check=False)
    for path in deleted.split("\0"):
        if path and os.path.dirname(path) in folders and \
                not os.path.exists(os.path.join(top, path)):
            found.append((os.path.relpath(os.path.join(top, path), root), "deleted"))
    found.sort()
    flags = _flags(values)
    if not found and not flags:
        return Dirt((), (), "")
    h = hashlib.sha256()
    for rel, why in found:
        h.update(f"{rel}\0{why}\0{working.get(rel, '')}\n".encode())
    for flag in flags:
        h.update(f"flag\0{flag}\n".encode())
    for f in values.files:
        try:
            with open(f, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).hexdigest().encode() + b"\n")
        except OSError:
            pass
    return Dirt(tuple(found), tuple(flags), "sha256:" + h.hexdigest())
