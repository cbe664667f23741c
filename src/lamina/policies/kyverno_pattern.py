"""Kyverno's validate patterns and deny conditions, and its `{{ }}` variables.

A pattern is matched against the object as Kyverno's validate engine does: plain keys
must exist and match; anchors `(key)` conditional (a mismatch skips the enclosing
element), `=(key)` equality (only if present), `X(key)` negation (must be absent),
`^(key)` existence (some list element matches), `<(key)` global (a mismatch skips the
whole rule); a list pattern applies its element to every element; scalars take the
operators `*`/`?` wildcards, `|` or, `&` and, `!` not, `>`/`>=`/`<`/`<=` (numbers,
quantities, durations), ranges `a-b` / `a!-b`.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Callable, Iterable, Iterator

from lamina.policies.match import wildcard
from lamina.policies.model import PolicyError


class Skip(Exception):
    """A conditional (or global) anchor did not match: the element (or rule) is skipped."""

    def __init__(self, global_: bool = False):
        super().__init__()
        self.global_ = global_


_ANCHOR = re.compile(r"^(\(|=\(|X\(|\^\(|<\(|\+\()(.*)\)$")


def anchor(key: str) -> tuple[str, str]:
    m = _ANCHOR.match(key)
    return (m.group(1)[:-1] or "()", m.group(2)) if m else ("", key)


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        from lamina.policies.k8sfuncs import CelFunctionError, parse_quantity
        try:
            return float(parse_quantity(v))
        except (CelFunctionError, ArithmeticError, ValueError):
            d = _duration(v)
            return d
    return None


_DUR = re.compile(r"^(?:(\d+(?:\.\d+)?)(h|ms|m|s|us|ns))+$")
_DUR_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _duration(v: str) -> float | None:
    if not _DUR.match(v):
        return None
    return sum(float(n) * _UNIT[u] for n, u in _DUR_PART.findall(v))


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_SCALARS: dict[tuple[Any, type, Any, type], bool] = {}
_RANGE = re.compile(r"^(-?[\d.]+[a-zA-Z]*)(!?)-(-?[\d.]+[a-zA-Z]*)$")


def scalar_matches(pattern: Any, value: Any) -> bool:
    """One scalar pattern (with operators) against one value (remembered: the same few
    patterns meet the same values in every environment)."""
    if isinstance(value, (dict, list)) or isinstance(pattern, (dict, list)):
        return _scalar_matches(pattern, value)
    key = (pattern, type(pattern), value, type(value))     # True == 1, but not here
    found = _SCALARS.get(key)
    if found is None:
        if len(_SCALARS) > 100_000:
            _SCALARS.clear()
        found = _SCALARS[key] = _scalar_matches(pattern, value)
    return found


def _scalar_matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, bool) or pattern is None:
        return value == pattern
    if isinstance(pattern, (int, float)):
        n = _num(value)
        return n is not None and n == float(pattern)
    p = str(pattern)
    found = _MATCHERS.get(p)
    if found is None:
        if len(_MATCHERS) > 10_000:
            _MATCHERS.clear()
        found = _MATCHERS[p] = _matcher(p)
    return found(value)


_MATCHERS: dict[str, Callable[[Any], bool]] = {}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def _matcher(p: str) -> Callable[[Any], bool]:
    """A string pattern's operators worked out once: the test of one value."""
    if "|" in p:
        alternatives = [part.strip() for part in p.split("|")]
        return lambda value: any(scalar_matches(a, value) for a in alternatives)
    if "&" in p:
        conjuncts = [part.strip() for part in p.split("&")]
        return lambda value: all(scalar_matches(c, value) for c in conjuncts)
    leaf = _leaf(p)
    return lambda value: not isinstance(value, (dict, list)) and leaf(value)


def _leaf(p: str) -> Callable[[Any], bool]:
    """One operand: a comparison, a range, a negation, a wildcard or a plain value."""
    for op, compare in _COMPARE.items():
        if p.startswith(op):
            want = _num(p[len(op):].strip())
            if want is None:
                return lambda value: False

            def compared(value: Any, want: float = want,
                         compare: Callable[[float, float], bool] = compare) -> bool:
                got = _num(value)
                return got is not None and compare(got, want)
            return compared
    m = _RANGE.match(p)
    low, high = (_num(m.group(1)), _num(m.group(3))) if m else (None, None)
    if m and low is not None and high is not None:
        outside = bool(m.group(2))

        def ranged(value: Any, low: float = low, high: float = high) -> bool:
            got = _num(value)
            return got is not None and (low <= got <= high) != outside
        return ranged
    if p.startswith("!"):
        rest = p[1:]
        return lambda value: not scalar_matches(rest, value)
    if "*" in p or "?" in p:
        return lambda value: value is not None and wildcard(p, _text(value))
    number: list[float | None] = []      # the pattern as a number, worked out on first need

    def plain(value: Any) -> bool:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not number:
                number.append(_num(p))
            return number[0] is not None and number[0] == float(value)
        return _text(value) == p
    return plain


def validate(pattern: Any, value: Any, path: str = "") -> str | None:
    """None when `value` matches; else the path where it does not. Raises Skip."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return path or "/"
        return _validate_map(pattern, value, path)
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return path or "/"
        if not pattern:
            return None
        for i, item in enumerate(value):
            for p in pattern[:1] if isinstance(pattern[0], dict) else [pattern]:
                try:
                    if isinstance(p, list):
                        if not any(scalar_matches(x, item) for x in p):
                            return f"{path}/{i}"
                        continue
                    bad = validate(p, item, f"{path}/{i}")
                except Skip as skip:
                    if skip.global_:
                        raise
                    continue
                if bad is not None:
                    return bad
        return None
    if isinstance(value, list):
        # A scalar pattern against a list: every element must match, as in Kyverno
        # (`supplementalGroups: ">0"` holds for [32, 94], not for [14, 0]).
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) or not scalar_matches(pattern, item):
                return f"{path}/{i}"
        return None
    return None if scalar_matches(pattern, value) else (path or "/")


_ORDERS: dict[int, tuple[dict, list[tuple[str, str, Any, bool]]]] = {}


def _order(pattern: dict) -> list[tuple[str, str, Any, bool]]:
    """The pattern's (anchor, key, sub-pattern, whether the key is a wildcard), conditional
    and global anchors first: they decide whether the rest applies (worked out once per
    pattern)."""
    found = _ORDERS.get(id(pattern))
    if found is not None and found[0] is pattern:
        return found[1]
    keys = sorted(pattern, key=lambda k: anchor(str(k))[0] not in ("()", "<"))
    order = []
    for k in keys:
        kind, name = anchor(str(k))
        order.append((kind, name, pattern[k],
                      kind in ("", "X", "=") and ("*" in name or "?" in name)))
    if len(_ORDERS) > 50_000:
        _ORDERS.clear()
    _ORDERS[id(pattern)] = (pattern, order)      # the pattern kept alive: its id stays its own
    return order


_WILDCARD_KEYS = ("/metadata/labels", "/metadata/annotations")


def _validate_map(pattern: dict, value: dict, path: str) -> str | None:
    for kind, name, p, wild in _order(pattern):
        if wild and path.endswith(_WILDCARD_KEYS):
            # Kyverno expands a wildcard key of labels or annotations into the keys it
            # matches (`X(fluxcd.io/*)`: no annotation key may match).
            keys = [k for k in value if wildcard(name, str(k))]
            if kind == "X" and keys:
                return f"{path}/{keys[0]}"
            for k in keys if kind != "X" else []:
                bad = validate(p, value[k], f"{path}/{k}")
                if bad is not None:
                    return bad
            if keys or kind != "":
                continue
        if not kind:
            if name not in value:
                if p in ("", None) or p == "null":
                    continue
                if isinstance(p, str) and p.startswith("!") or (isinstance(p, str) and "|" in p and any(
                        x.strip() in ("", "null") for x in p.split("|"))):
                    continue
                return f"{path}/{name}"
            bad = validate(p, value[name], f"{path}/{name}")
            if bad is not None:
                return bad
        elif kind in ("()", "<"):
            if name not in value:
                raise Skip(kind == "<")
            try:
                bad = validate(p, value[name], f"{path}/{name}")
            except Skip:
                raise Skip(kind == "<") from None
            if bad is not None:
                raise Skip(kind == "<")
        elif kind == "X":
            if name in value:
                return f"{path}/{name}"
        elif kind == "=":
            if name in value:
                bad = validate(p, value[name], f"{path}/{name}")
                if bad is not None:
                    return bad
        elif kind == "^":
            items = value.get(name)
            if not isinstance(items, list) or not isinstance(p, list) or not p:
                return f"{path}/{name}"
            if not any(_quiet(p[0], it) for it in items):
                return f"{path}/{name}"
        elif kind == "+":
            continue
    return None


def pattern_shape(patterns: Iterable[Any]) -> Any:
    """What the patterns may read of a resource (a celshape.Shape over the root `object`):
    every key a pattern names, every element of a list a list pattern meets, and whole
    where a key holds a wildcard or the pattern is a scalar. validate() gives the same
    answer, path included, for a resource cut down to it (Shape.prune)."""
    from lamina.policies import celshape
    shape = celshape.Shape()
    for pattern in patterns:
        for path in _reads(pattern, ("object",)):
            shape.add_path(path)
    return shape


def _reads(pattern: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    from lamina.policies.celshape import ANY, WHOLE
    if isinstance(pattern, dict) and pattern:
        found = []
        for k, sub in pattern.items():
            kind, name = anchor(str(k))
            if kind == "+":
                continue          # an add anchor (mutate): validate() does not read it
            if "*" in name or "?" in name or name in (ANY, WHOLE):
                found = [path]    # a wildcard key reads every key of the map
                break
            found.extend(_reads(sub, (*path, name)))
        yield from found or [path]
    elif isinstance(pattern, list) and pattern and isinstance(pattern[0], dict):
        yield from _reads(pattern[0], (*path, ANY))     # the element, against each element
    else:
        yield path                # a scalar, an empty map or list, a list of scalars


def _quiet(pattern: Any, value: Any) -> bool:
    try:
        return validate(pattern, value) is None
    except Skip:
        return False


# ---- conditions ----------------------------------------------------------------------------

def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def _in(item: Any, values: Any) -> bool:
    if isinstance(values, str):
        return scalar_matches(values, item) if not isinstance(item, (dict, list)) else False
    return any(item == v or (isinstance(v, str) and not isinstance(item, (dict, list)) and
                             ("*" in v or "?" in v) and wildcard(v, _text(item)))
               or (not isinstance(v, (dict, list)) and not isinstance(item, (dict, list))
                   and _text(item) == _text(v))
               for v in _as_list(values))


def condition(op: str, key: Any, value: Any) -> bool:
    op = op or "Equals"
    if op in ("Equals", "Equal"):
        if isinstance(value, str) and not isinstance(key, (dict, list)):
            return scalar_matches(value, key) if ("*" in value or "?" in value) else _text(key) == value
        return key == value or (not isinstance(key, (dict, list)) and _text(key) == _text(value)
                                and not isinstance(value, (dict, list)))
    if op in ("NotEquals", "NotEqual"):
        return not condition("Equals", key, value)
    if op in ("AnyIn", "In"):
        if op == "In" and not isinstance(key, list):
            return _in(key, value)
        return any(_in(k, value) for k in _as_list(key))
    if op == "AllIn":
        return all(_in(k, value) for k in _as_list(key))
    if op in ("AnyNotIn",):
        return any(not _in(k, value) for k in _as_list(key))
    if op in ("AllNotIn", "NotIn"):
        return all(not _in(k, value) for k in _as_list(key))
    compare = {"GreaterThan": ">", "GreaterThanOrEquals": ">=", "LessThan": "<",
               "LessThanOrEquals": "<=", "DurationGreaterThan": ">", "DurationGreaterThanOrEquals": ">=",
               "DurationLessThan": "<", "DurationLessThanOrEquals": "<="}
    if op in compare:
        a, b = _num(key), _num(value)
        if a is None or b is None:
            return False
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[compare[op]]
    raise PolicyError(f"condition operator '{op}' is not one lamina knows")
