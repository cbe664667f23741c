"""Addresses of values inside the merged tree: tuples of keys and list indices.

One spelling is used everywhere a user sees a path (errors, --show-origin, --set):
``image.tag``, ``env[0].name``, and ``annotations.example\\.com/team`` for keys with dots.
--set paths may also pick a list item by one of its keys: ``containers[name=web].image``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ValuePath = tuple[str | int, ...]


@dataclass(frozen=True)
class KeySelector:
    """``[name=web]`` in a --set path: the list item whose ``name`` is ``web``."""

    key: str
    value: str

    def matches(self, item: object) -> bool:
        if not isinstance(item, dict) or self.key not in item:
            return False
        found = item[self.key]
        text = ("true" if found else "false") if isinstance(found, bool) else str(found)
        return text == self.value


SetPath = tuple[str | int | KeySelector, ...]

_PLAIN_KEY = re.compile(r"[^.\[\]\\=]+")


def format_path(path: SetPath) -> str:
    """The user-facing spelling of a path; the empty path is the root, shown as ``.``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        if isinstance(part, KeySelector):
            out.append(f"[{part.key}={part.value}]")
            continue
        escaped = part.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[")
        out.append(escaped if not out else "." + escaped)
    return "".join(out) or "."


def parse_path(text: str) -> SetPath:
    """Read ``a.b[0].c`` or ``a[name=x].c`` (``\\.`` escapes a dot inside a key).

    Raises ValueError on bad syntax.
    """
    if text == ".":
        return ()
    parts: list[str | int | KeySelector] = []
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
            select_key, eq, select_value = inner.partition("=")
            if end > 0 and inner.isdigit():
                parts.append(int(inner))
            elif end > 0 and eq and select_key:
                parts.append(KeySelector(select_key, select_value))
            else:
                raise ValueError(f"expected [N] (N >= 0) or [key=value] in path {text!r}")
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
