"""CEL optional syntax (`x.?f`, `x[?k]`, `.orValue()`, `optional.of()`) for a CEL library
without it: rewritten into calls of functions that carry an optional as a map
{"__opt__": [value]} (present) or {"__opt__": []} (absent)."""

from __future__ import annotations

import re
from typing import Any, Callable

OPT = "__opt__"
_METHODS = re.compile(r"\.(hasValue|value|orValue|or)\s*\(")


def _strings(text: str) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(text):
        c = text[i]
        if c in "'\"":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            spans.append((i, j))
            i = j + 1
        else:
            i += 1
    return spans


def _in_string(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos <= b for a, b in spans)


def _receiver_start(text: str, end: int) -> int:
    i = end - 1
    while i >= 0:
        c = text[i]
        if c in ")]":
            depth, opener = 0, "(" if c == ")" else "["
            while i >= 0:
                if text[i] == c:
                    depth += 1
                elif text[i] == opener:
                    depth -= 1
                    if depth == 0:
                        break
                i -= 1
            i -= 1
        elif c.isalnum() or c in "_.":
            i -= 1
        else:
            break
    return i + 1


def _close(text: str, start: int) -> int:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "[":
            depth += 1
        elif text[j] == "]":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced [")


def rewrite(text: str) -> str:
    for _ in range(200):
        spans = _strings(text)
        m = next((m for m in re.finditer(r"\.\?|\[\?", text) if not _in_string(m.start(), spans)), None)
        if m is None:
            break
        start = _receiver_start(text, m.start())
        recv = text[start:m.start()]
        if m.group(0) == ".?":
            f = re.match(r"\.\?\s*([A-Za-z_]\w*)", text[m.start():])
            if f is None:
                raise ValueError("bad optional field")
            call, rest = f"__opt_field({recv}, '{f.group(1)}')", text[m.start() + f.end():]
        else:
            end = _close(text, m.start())
            call, rest = f"__opt_index({recv}, {text[m.start() + 2:end]})", text[end + 1:]
        # Selecting from an optional gives an optional: `x.?a.b` is `x.?a.?b`.
        while True:
            plain = re.match(r"\.\s*([A-Za-z_]\w*)(?!\w|\s*\()", rest)
            if plain is None or plain.group(1) in ("hasValue", "value", "orValue", "or"):
                break
            call, rest = f"__opt_field({call}, '{plain.group(1)}')", rest[plain.end():]
        text = text[:start] + call + rest
    return _METHODS.sub(lambda m: f".__opt_{m.group(1)}(", text)


def _unwrap(x: Any) -> tuple[bool, Any]:
    if isinstance(x, dict) and OPT in x and len(x) == 1:
        return (bool(x[OPT]), x[OPT][0] if x[OPT] else None)
    return (x is not None, x)


def of(v: Any) -> dict:
    return {OPT: [v]}


def none() -> dict:
    return {OPT: []}


def field(x: Any, name: str) -> dict:
    has, v = _unwrap(x)
    if has and isinstance(v, dict) and name in v:
        return of(v[name])
    return none()


def index(x: Any, key: Any) -> dict:
    has, v = _unwrap(x)
    if has and isinstance(v, dict) and key in v:
        return of(v[key])
    if has and isinstance(v, list) and isinstance(key, int) and 0 <= key < len(v):
        return of(v[key])
    return none()


def has_value(x: Any) -> bool:
    return _unwrap(x)[0]


def value(x: Any) -> Any:
    has, v = _unwrap(x)
    if not has:
        raise ValueError("optional.none() dereference")
    return v


def or_value(x: Any, default: Any) -> Any:
    has, v = _unwrap(x)
    return v if has else default


def or_(x: Any, other: Any) -> Any:
    return x if _unwrap(x)[0] else other


FUNCTIONS: dict[str, Callable[..., Any]] = {"__opt_field": field, "__opt_index": index, "__opt_hasValue": has_value,
             "__opt_value": value, "__opt_orValue": or_value, "__opt_or": or_,
             "__optional_of": of, "__optional_none": none,
             "__optional_ofNonZeroValue": lambda v: of(v) if v not in (None, "", 0, [], {}, False) else none()}
