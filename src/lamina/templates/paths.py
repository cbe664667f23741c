"""Addresses of values inside the merged tree: tuples of keys and list indices.

One spelling is used everywhere a user sees a path (errors, --show-origin, --set):
``image.tag``, ``env[0].name``, and ``annotations.example\\.com/team`` for keys with dots.
"""

from __future__ import annotations

import re

ValuePath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[^.\[\]\\=]+")


def format_path(path: ValuePath) -> str:
    """The user-facing spelling of a path; the empty path is the root, shown as ``.``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        escaped = part.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[")
        out.append(escaped if not out else "." + escaped)
    return "".join(out) or "."


def parse_path(text: str) -> ValuePath:
    """Read ``a.b[0].c`` (``\\.`` escapes a dot inside a key). Raises ValueError on bad syntax."""
    parts: list[str | int] = []
    key: list[str] = []
    pending_key = True  # a key is expected (start, or just after a dot)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            key.append(text[i + 1])
            i += 2
            continue
        if ch == ".":
            if pending_key and not key:
                raise ValueError(f"empty key in path {text!r}")
            if key:
                parts.append("".join(key))
                key = []
            pending_key = True
            i += 1
            continue
        if ch == "[":
            if key:
                parts.append("".join(key))
                key = []
            elif pending_key:
                raise ValueError(f"index without a key in path {text!r}")
            end = text.find("]", i)
            inner = text[i + 1 : end] if end > 0 else ""
            if end < 0 or not inner.isdigit():
                raise ValueError(f"list index must be [N] with N >= 0 in path {text!r}")
            parts.append(int(inner))
            pending_key = False
            i = end + 1
            if i < len(text) and text[i] not in ".[":
                raise ValueError(f"expected '.' or '[' after ']' in path {text!r}")
            continue
        key.append(ch)
        pending_key = False
        i += 1
    if key:
        parts.append("".join(key))
    elif pending_key:
        raise ValueError(f"path {text!r} ends without a key")
    return tuple(parts)
