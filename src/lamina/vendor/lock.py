"""`lamina.lock`: the pins of every remote reference, and the digests that bind them.

A lock entry names a reference exactly as the kustomization writes it (`url`), the ref asked
for, the commit it resolved to (git) and a sha256 over the vendored files (sorted relative
paths and contents), so any edit, addition or removal under the vendored folder is seen.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import yaml

from lamina.errors import LaminaError, SourceRef

LOCK_NAME = "lamina.lock"
LOCK_VERSION = 1
_HEADER = ("# Written by `lamina vendor`: the pinned remote bases and files of this repository.\n"
           "# Review changes to it (and to the vendor folder) like code; move pins with\n"
           "# `lamina vendor --update [URL]`.\n")


class VendorError(LaminaError):
    """A remote reference that cannot be vendored, or a lock that does not hold."""


@dataclass(frozen=True)
class LockEntry:
    url: str            # as the kustomization writes it
    kind: str           # "git" or "http"
    ref: str            # the ref asked for ("" = the remote's HEAD); "" for http
    commit: str         # the commit the ref resolved to; "" for http
    repo: str           # the clone URL (Kustomize's CloneSpec); the URL itself for http
    path: str           # the path inside the repository ("" = its root)
    vendored: str       # the vendored repository root (or file), relative to the project root
    sha256: str         # over the vendored files


def tree_digest(root: str) -> str:
    """sha256 over the sorted relative paths and contents of every file under `root` (or of
    the file `root`); symlinks and special files are refused, not followed."""
    import hashlib      # here: a plain build that checks for remote paths needs none of this
    digest = hashlib.sha256()
    if os.path.isfile(root) and not os.path.islink(root):
        with open(root, "rb") as fh:
            digest.update(fh.read())
        return digest.hexdigest()
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                raise VendorError(f"symlink in vendored content: {full}: vendored trees hold "
                                  "plain files only; run `lamina vendor` again")
        files.extend(os.path.join(dirpath, n) for n in filenames)
    for full in sorted(files, key=lambda f: os.path.relpath(f, root).replace(os.sep, "/")):
        rel = os.path.relpath(full, root).replace(os.sep, "/")
        with open(full, "rb") as fh:
            data = fh.read()
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def read_lock(path: str) -> dict[str, LockEntry]:
    display = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise VendorError(f"cannot read the lock: {exc}; run `lamina vendor` to rewrite it",
                          SourceRef(display)) from None
    if not isinstance(doc, dict) or doc.get("version") != LOCK_VERSION:
        raise VendorError(f"not a version {LOCK_VERSION} lock; run `lamina vendor` to rewrite it",
                          SourceRef(display))
    entries: dict[str, LockEntry] = {}
    fields = LockEntry.__dataclass_fields__
    for item in doc.get("remotes") or []:
        if not isinstance(item, dict) or set(item) != set(fields):
            raise VendorError(f"malformed lock entry {item!r}; run `lamina vendor`",
                              SourceRef(display))
        entry = LockEntry(**{k: str(item[k]) for k in fields})
        entries[entry.url] = entry
    return entries


def write_lock(path: str, entries: dict[str, LockEntry]) -> None:
    """Atomically: a reader sees the old lock or the new one, never half of one."""
    doc = {"version": LOCK_VERSION,
           "remotes": [asdict(entries[url]) for url in sorted(entries)]}
    text = _HEADER + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1000)
    from lamina.fsguard import atomic_write
    atomic_write(path, text)


def find_project_root(start: str) -> str | None:
    """The nearest folder at or above `start` holding lamina.lock, lamina.yaml or .git: the
    lock never comes from outside the repository being built."""
    current = os.path.realpath(start)
    while True:
        for marker in (LOCK_NAME, "lamina.yaml", ".git"):
            if os.path.exists(os.path.join(current, marker)):
                return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
