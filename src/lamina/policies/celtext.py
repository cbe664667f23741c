"""Kubernetes' CEL strings, lists and regex libraries (functions for k8scel)."""

from __future__ import annotations

import re
from typing import Any


class CelFunctionError(ValueError):
    pass


# ---- strings ----------------------------------------------------------------------------

def str_arg(x: Any, what: str) -> str:
    if not isinstance(x, str):
        raise CelFunctionError(f"{what}: expected a string, got {type(x).__name__}")
    return x


def index_of(x: Any, sub: Any, start: int = 0) -> int:
    if isinstance(x, list):
        return next((i for i, v in enumerate(x) if v == sub), -1)
    s = str_arg(x, "indexOf")
    # As cel-go's strings extension: a negative offset is an error, one past the end finds
    # nothing (the empty string: at the end).
    if start < 0:
        raise CelFunctionError(f"index out of range: {start}")
    if sub == "":
        return min(start, len(s))
    if start >= len(s):
        return -1
    return s.find(sub, start)


def last_index_of(x: Any, sub: Any, end: int | None = None) -> int:
    if isinstance(x, list):
        return next((i for i in range(len(x) - 1, -1, -1) if x[i] == sub), -1)
    s = str_arg(x, "lastIndexOf")
    if end is None:
        return s.rfind(sub)
    if end < 0:
        raise CelFunctionError(f"index out of range: {end}")
    if sub == "":
        return min(end, len(s))
    if end >= len(s):
        return -1
    return s.rfind(sub, 0, min(end, len(s) - len(sub)) + len(sub))


def replace(s: Any, old: str, new: str, n: int = -1) -> str:
    return str_arg(s, "replace").replace(old, new, n if n >= 0 else -1)


def split(s: Any, sep: str, n: int = -1) -> list[str]:
    s = str_arg(s, "split")
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        return parts if n < 0 else parts[:n - 1] + ["".join(parts[n - 1:])] if n < len(parts) else parts
    return s.split(sep, n - 1 if n > 0 else -1)


def substring(s: Any, start: int, end: int | None = None) -> str:
    s = str_arg(s, "substring")
    end = len(s) if end is None else end
    if start < 0 or end > len(s) or start > end:
        raise CelFunctionError(f"substring: range [{start}:{end}] out of bounds for length {len(s)}")
    return s[start:end]


def char_at(s: Any, i: int) -> str:
    s = str_arg(s, "charAt")
    if i < 0 or i > len(s):
        raise CelFunctionError("charAt: index out of range")
    return s[i] if i < len(s) else ""


def join(items: Any, sep: str = "") -> str:
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise CelFunctionError("join: expected a list of strings")
    return sep.join(items)


def reverse(x: Any) -> Any:
    return x[::-1] if isinstance(x, (str, list)) else x


def _fmt_one(verb: str, v: Any) -> str:
    if verb == "s":
        return _to_string(v)
    if verb == "d":
        return str(int(v))
    if verb == "f":
        return f"{float(v):f}"
    if verb == "e":
        return f"{float(v):e}"
    if verb == "x":
        return v.encode().hex() if isinstance(v, str) else format(int(v), "x")
    if verb == "X":
        return (v.encode().hex() if isinstance(v, str) else format(int(v), "x")).upper()
    if verb == "o":
        return format(int(v), "o")
    if verb == "b":
        return format(int(v), "b") if not isinstance(v, bool) else str(v).lower()
    raise CelFunctionError(f"format: unknown verb %{verb}")


def _to_string(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "[" + ", ".join(_to_string(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_to_string(k)}: {_to_string(x)}" for k, x in v.items()) + "}"
    return str(v)


_VERB = re.compile(r"%(?:\.(\d+))?([sdfexXob%])")


def string_format(s: Any, args: Any) -> str:
    """`"%s has %d".format([a, b])` (strings library)."""
    s = str_arg(s, "format")
    args = list(args) if isinstance(args, list) else [args]
    pos = iter(range(len(args)))

    def one(m: re.Match) -> str:
        if m.group(2) == "%":
            return "%"
        i = next(pos, None)
        if i is None:
            raise CelFunctionError("format: too few arguments")
        if m.group(1) is not None and m.group(2) in "fe":
            return f"{float(args[i]):.{int(m.group(1))}{m.group(2)}}"
        return _fmt_one(m.group(2), args[i])
    return _VERB.sub(one, s)


_QUOTED = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
           "\v": "\\v", "\\": "\\\\", '"': '\\"'}


def quote(s: Any) -> str:
    """strings.quote() as cel-go writes it: only these escapes, every other character as is."""
    return '"' + "".join(_QUOTED.get(c, c) for c in str_arg(s, "quote")) + '"'


def lower_ascii(s: Any) -> str:
    return "".join(c.lower() if c < "\x80" else c for c in str_arg(s, "lowerAscii"))


def upper_ascii(s: Any) -> str:
    return "".join(c.upper() if c < "\x80" else c for c in str_arg(s, "upperAscii"))


# ---- lists ------------------------------------------------------------------------------

def list_arg(x: Any, what: str) -> list:
    if not isinstance(x, list):
        raise CelFunctionError(f"{what}: expected a list, got {type(x).__name__}")
    return x


def is_sorted(x: Any) -> bool:
    x = list_arg(x, "isSorted")
    return all(x[i] <= x[i + 1] for i in range(len(x) - 1))


def list_sum(x: Any) -> Any:
    x = list_arg(x, "sum")
    return sum(x, 0.0 if any(isinstance(v, float) for v in x) else 0)


def list_min(x: Any, *more: Any) -> Any:
    vals = list(x) if isinstance(x, list) and not more else [x, *more]
    if not vals:
        raise CelFunctionError("min: the list is empty")
    return min(vals)


def list_max(x: Any, *more: Any) -> Any:
    vals = list(x) if isinstance(x, list) and not more else [x, *more]
    if not vals:
        raise CelFunctionError("max: the list is empty")
    return max(vals)


def flatten(x: Any, depth: int = 1) -> list:
    out: list = []
    for v in list_arg(x, "flatten"):
        if isinstance(v, list) and depth > 0:
            out.extend(flatten(v, depth - 1))
        else:
            out.append(v)
    return out


def distinct(x: Any) -> list:
    out: list = []
    for v in list_arg(x, "distinct"):
        if v not in out:
            out.append(v)
    return out


def list_slice(x: Any, start: int, end: int) -> list:
    x = list_arg(x, "slice")
    if start < 0 or end > len(x) or start > end:
        raise CelFunctionError("slice: index out of range")
    return x[start:end]


# ---- regex ------------------------------------------------------------------------------

_RE_CACHE: dict[str, re.Pattern] = {}


def _regex(pattern: str) -> re.Pattern:
    found = _RE_CACHE.get(pattern)
    if found is None:
        try:
            found = _RE_CACHE[pattern] = re.compile(pattern)
        except re.error as exc:
            raise CelFunctionError(f"invalid regex '{pattern}': {exc}") from None
    return found


def find(s: Any, pattern: str) -> str:
    m = _regex(pattern).search(str_arg(s, "find"))
    return m.group(0) if m else ""


def find_all(s: Any, pattern: str, n: int = -1) -> list[str]:
    found = [m.group(0) for m in _regex(pattern).finditer(str_arg(s, "findAll"))]
    return found if n < 0 else found[:n]


