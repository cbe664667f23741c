"""Names from the tree checked before they become paths: `check_name()` refuses what would
not stay below the folder it is joined to; `safe_component()` and `fit_component()` make a
safe file name from a resource; `is_inside()` and `real_dir_chain()` judge real paths."""

from __future__ import annotations

import os
import stat

from lamina.errors import LaminaError

MAX_COMPONENT_BYTES = 255       # NAME_MAX of ext4, xfs, btrfs, apfs, ntfs
MAX_PATH_BYTES = 4000           # below PATH_MAX (4096), leaving room for the root


class PathRefused(LaminaError):
    """A name that would not stay inside the folder it is meant for."""


def check_name(rel: object, what: str = "path") -> str:
    """`rel` itself when it is a relative path that stays below the folder it is joined
    to (see the module's docstring); PathRefused otherwise."""
    if not isinstance(rel, str):
        raise PathRefused(f"{what} {rel!r} is not a string")
    why = _flaw(rel)
    if why:
        raise PathRefused(f"{what} {rel!r} {why}; give a relative path below its folder")
    return rel


def is_safe_name(rel: object) -> bool:
    return isinstance(rel, str) and not _flaw(rel)


def _flaw(rel: str) -> str | None:
    if not rel:
        return "is empty"
    if "\0" in rel:
        return "contains a NUL character"
    if rel.startswith("/") or os.path.isabs(rel):
        return "is an absolute path"
    if "\\" in rel:
        return "contains a backslash"
    try:
        size = len(rel.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if size > MAX_PATH_BYTES:
        return f"is longer than {MAX_PATH_BYTES} bytes"
    for part in rel.split("/"):
        if part in ("", ".", ".."):
            return ("has an empty component" if not part
                    else f"has a '{part}' component (it must stay inside its folder)")
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            return f"has a component longer than {MAX_COMPONENT_BYTES} bytes"
    return None


_UNSAFE_CHARS = None


def safe_component(text: str) -> str:
    """`text` made one safe, portable path component, the same way every time: characters
    other than ASCII letters, digits and `._:@+=-` become `_`; a name of dots only (`.`,
    `..`) becomes underscores; nothing is empty. Used for every file or folder name lamina
    makes from a resource (namespace, kind, name)."""
    global _UNSAFE_CHARS
    if _UNSAFE_CHARS is None:
        import re
        _UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._:@+=-]")
    safe = _UNSAFE_CHARS.sub("_", text) or "_"
    if not safe.strip("."):
        safe = "_" * len(safe)
    return safe


def fit_component(name: str, suffix: str = "") -> str:
    """`name` cut to the longest component file systems take (255 bytes), keeping
    `suffix` and adding a digest of the whole so that cut names stay distinct."""
    if len(name.encode("utf-8")) <= MAX_COMPONENT_BYTES:
        return name
    import hashlib
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    stem = name[:-len(suffix)] if suffix and name.endswith(suffix) else name
    room = MAX_COMPONENT_BYTES - len(suffix) - len(digest) - 1
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{cut}-{digest}{suffix if name.endswith(suffix) else ''}"


def is_inside(path: str, root: str) -> bool:
    """Whether the normalised absolute `path` is `root` or below it (no file access)."""
    path, root = os.path.normpath(os.path.abspath(path)), os.path.normpath(os.path.abspath(root))
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def real_dir_chain(root: str, path: str) -> str | None:
    """The first component of `path` (below `root`) that exists and is a symbolic link or
    not a folder, or None. `path` must be below `root`."""
    rel = os.path.relpath(path, root)
    current = root
    if rel == ".":
        return None
    for part in rel.split(os.sep):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return current
    return None


def shown_path(path: str) -> str:
    """`path` as messages show it: relative to the working directory (the project root,
    usually) when it is below it, else absolute."""
    try:
        here = os.getcwd()
    except OSError:
        return path
    return os.path.relpath(path, here) if is_inside(path, here) and path != here else path
