"""The dotted path syntax (kyaml's SmarterPathSplitter) and its parts: map keys, list
indexes (`0`, `-`), list selectors (`[name=app]`), and the error for a path that cannot
be walked."""

from __future__ import annotations

import functools
import re

from lamina.errors import ResourceError


class FieldPathError(ResourceError):
    """A path that cannot be walked in this object (wrong node kind, bad list selector)."""


@functools.lru_cache(maxsize=1024)
def _split_cached(path: str) -> tuple[str, ...]:
    return tuple(_split(path))


def split(path: str) -> list[str]:
    """Split a dotted path as kyaml's SmarterPathSplitter does (see `_split`)."""
    return list(_split_cached(path))


def _split(path: str) -> list[str]:
    """Split a dotted path as kyaml's SmarterPathSplitter does.

    `\\.` keeps a dot inside a part; a bracketed part keeps its dots (`[a.b]` becomes the
    key `a.b`; `[name=a.b]` stays a list selector); one leading `.` is ignored.
    """
    raw = path.split(".")
    if len(raw) > 1 and raw[0] == "":
        raw = raw[1:]
    parts = [raw[0]]
    for piece in raw[1:]:
        if parts[-1].endswith("\\"):
            parts[-1] = parts[-1][:-1] + "." + piece
        else:
            parts.append(piece)
    out: list[str] = []
    i = 0
    while i < len(parts):
        elem = parts[i]
        if elem.startswith("[") and not elem.endswith("]"):
            group = [elem]
            while i < len(parts) - 1:
                i += 1
                group.append(parts[i])
                if parts[i].endswith("]"):
                    break
            joined = ".".join(group)
            out.append(joined if "=" in joined else joined.strip("[]"))
        else:
            out.append(elem)
        i += 1
    return out


_ATOI = re.compile(r"[-+]?[0-9]+\Z")


def is_index(part: str) -> bool:
    """strconv.Atoi accepts an optional sign and decimal digits only."""
    return _ATOI.match(part) is not None


def is_list_selector(part: str) -> bool:
    return part.startswith("[") and part.endswith("]")


def split_selector(part: str) -> tuple[str, str]:
    body = part[1:-1] if part.endswith("]") else part[1:]
    if "=" not in body:
        raise FieldPathError(
            "list path element must contain fieldName=fieldValue for element to match")
    key, _, value = body.partition("=")
    return key, value
