"""The line of the field a finding is about, in the file the resource came from.

A finding carries the resource's source (the file, and the line its document starts on)
and the field inside the resource (`data.DB_HOST`, `spec.template.spec.containers[1]`).
locate() walks the file's text from the document's first line, key by key and list item
by list item, as the field's path says, and gives the finding the line it ends on. It
reads text, not parsed YAML, so it works as well in a `.j2` template (whose template
lines it steps over) as in plain YAML; when a step cannot be found (a field a patch or a
transformer added) the finding keeps the deepest line that was found.
"""

from __future__ import annotations

import dataclasses
import os
import re
from functools import lru_cache

from lamina.checks.base import Finding
from lamina.errors import SourceRef

_STEP = re.compile(r"\[(\d+)\]|([^.\[]+)")


def _steps(field: str) -> list[str | int]:
    return [int(m.group(1)) if m.group(1) is not None else m.group(2)
            for m in _STEP.finditer(field)]


@lru_cache(maxsize=256)
def _lines(path: str, _mtime: float) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8") as fh:
            return tuple(fh.read().splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_at(line: str, keys: list[str]) -> tuple[str, int] | None:
    """(key, column) when the line starts with one of `keys` (longest first)."""
    body = line.lstrip(" ")
    col = len(line) - len(body)
    if body.startswith("- "):
        body, col = body[2:].lstrip(" "), col + 2 + (len(body[2:]) - len(body[2:].lstrip(" ")))
    for key in keys:
        for spelled in (key, f'"{key}"', f"'{key}'"):
            if body.startswith(spelled) and body[len(spelled):].lstrip(" ").startswith(":"):
                return key, col
    return None


def field_line(lines: tuple[str, ...], start: int, field: str) -> int | None:
    """The 1-based line of `field` in the document starting at 1-based line `start`."""
    steps = _steps(field)
    pos, indent, found = start - 1, -1, None
    i = 0
    while i < len(steps) and 0 <= pos < len(lines):
        step = steps[i]
        if isinstance(step, int):
            pos, indent = _item(lines, pos, indent, step)
            if pos < 0:
                return found
            found, i = pos + 1, i + 1
            continue
        # A key may itself hold dots (`example.com/url`): try the longest join first.
        run = []
        for s in steps[i:]:
            if isinstance(s, int):
                break
            run.append(s)
        candidates = [".".join(run[:n]) for n in range(len(run), 0, -1)]
        hit = _key(lines, pos if found is None else pos + 1, indent, candidates)
        if hit is None:
            return found
        pos, key, indent = hit
        found = pos + 1
        i += key.count(".") + 1
        rest = lines[pos].split(":", 1)[1].strip() if ":" in lines[pos] else ""
        if rest.startswith(("{", "[")):
            return found          # flow style: the rest of the path is on this line
    return found


def _key(lines: tuple[str, ...], pos: int, indent: int, keys: list[str]
         ) -> tuple[int, str, int] | None:
    for n in range(pos, len(lines)):
        line = lines[n]
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "{%", "{#")):
            continue
        if stripped == "---" or (n > pos and _indent(line) <= indent
                                 and not stripped.startswith("-")):
            return None
        hit = _key_at(line, keys)
        if hit is not None and hit[1] > indent:
            return n, hit[0], hit[1]
    return None


def _item(lines: tuple[str, ...], pos: int, indent: int, index: int) -> tuple[int, int]:
    """(line, content column) of the index-th item of the block list under line `pos`."""
    dash_col, count = None, -1
    for n in range(pos + 1, len(lines)):
        line = lines[n]
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "{%", "{#")):
            continue
        col = _indent(line)
        if stripped == "---" or col < indent or (col == indent and not stripped.startswith("-")):
            break
        if dash_col is None:
            if not stripped.startswith("-"):
                break
            dash_col = col
        if col == dash_col and stripped.startswith("-"):
            count += 1
            if count == index:
                return n, col + 1
        elif col < dash_col:
            break
    return -1, indent


def locate(findings: list[Finding], root: str) -> list[Finding]:
    """The findings, each with the line of its field when it names one that is found."""
    out = []
    for f in findings:
        source = f.source
        if f.field and source is not None and not os.path.isabs(source.path):
            full = os.path.join(root, source.path)
            try:
                mtime = os.stat(full).st_mtime
            except OSError:
                out.append(f)
                continue
            line = field_line(_lines(full, mtime), source.line or 1, f.field)
            if line is not None and line != source.line:
                f = dataclasses.replace(f, source=SourceRef(source.path, line))
        out.append(f)
    from lamina.checks.runner import finding_order
    return sorted(out, key=finding_order)
