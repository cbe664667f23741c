"""Build-time lookup of a remote reference: the lock and the vendored copy, never the network.

Every reference is checked against its lock entry's digest before it is used; a verified
vendored tree is remembered (by its files' sizes and mtimes) so one build hashes it once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

from lamina.errors import SourceRef
from lamina.vendor.lock import LOCK_NAME, LockEntry, VendorError, find_project_root, read_lock, \
    tree_digest

_verified: dict[str, tuple[str, tuple[tuple[str, int, int], ...]]] = {}


@dataclass(frozen=True)
class Vendored:
    entry: LockEntry
    root: str        # absolute: the vendored repository root, or the vendored file
    target: str      # absolute: the referenced folder inside `root`, or the file
    lock: str        # absolute: the lamina.lock that pinned it


def _signature(root: str) -> tuple[tuple[str, int, int], ...]:
    if os.path.isfile(root):
        st = os.stat(root)
        return ((root, st.st_size, st.st_mtime_ns),)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            out.append((full, st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


def lookup(start: str, url: str, where: SourceRef) -> Vendored:
    """The verified vendored copy of `url`, referenced from a kustomization under `start`."""
    project = find_project_root(start)
    lock_path = os.path.join(project, LOCK_NAME) if project else None
    entries = read_lock(lock_path) if lock_path else {}
    entry = entries.get(url)
    if entry is None:
        raise VendorError(
            f"remote reference '{url}' is not in {LOCK_NAME}: lamina builds offline from "
            "pinned copies; run `lamina vendor` to fetch and pin it", where)
    assert project is not None
    root = os.path.realpath(os.path.join(project, entry.vendored))
    if not (root + os.sep).startswith(project + os.sep) or not os.path.exists(root):
        raise VendorError(
            f"the vendored copy of '{url}' ({entry.vendored}) is missing or outside the "
            "project; run `lamina vendor`", where)
    signature = _signature(root)
    if _verified.get(root) != (entry.sha256, signature):
        actual = tree_digest(root)
        if actual != entry.sha256:
            raise VendorError(
                f"the vendored copy of '{url}' ({entry.vendored}) does not match {LOCK_NAME} "
                f"(sha256 {actual[:12]}..., locked {entry.sha256[:12]}...): it was edited; "
                "run `lamina vendor` to restore it, or `lamina vendor --update` to re-pin", where)
        _verified[root] = (entry.sha256, signature)
    target = os.path.normpath(os.path.join(root, entry.path.lstrip("/"))) if entry.kind == "git" \
        else root
    if not (target + os.sep).startswith(root + os.sep) and target != root:
        raise VendorError(f"'{url}' points outside its repository", where)
    return Vendored(entry, root, target, lock_path or "")


def scalar_line(path: str, display: str, value: str) -> SourceRef:
    """file:line:column of the first scalar equal to `value` in the YAML file `path` (a
    chart's `repo:` in a kustomization), for the message about it; the file alone if none."""
    try:
        with open(path, encoding="utf-8") as fh:
            for _, node in _scalars(yaml.compose(fh.read(), Loader=yaml.SafeLoader)):
                if node.value == value:
                    return SourceRef(display, node.start_mark.line + 1,
                                     node.start_mark.column + 1)
    except (OSError, yaml.YAMLError):
        pass
    return SourceRef(display)


def _scalars(node: object) -> list[tuple[int, yaml.ScalarNode]]:
    out: list[tuple[int, yaml.ScalarNode]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.ScalarNode):
            out.append((n.start_mark.index, n))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(v for pair in n.value for v in pair)
    return sorted(out, key=lambda item: item[0])
