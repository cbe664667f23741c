"""Expanding `$(NAME)` in one string, with Kustomize's refvar rules.

- `$(NAME)` with a known name becomes the value; unknown names stay as written.
- A string that is exactly one `$(NAME)` takes the value with its type (an integer var
  makes an integer field); inside longer text the value is printed as Go's `%v` would.
- `$$` is an escaped `$`; a lone `$`, or `$(` with no closing `)`, is kept.
- Map and list values are not substituted (the reference stays as written).
"""

from __future__ import annotations

import math
from typing import Any, Mapping


def _go_format_g(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64): shortest digits; exponent form when the
    decimal exponent is below -4 or at least 6 (Go's `%v` for a float64)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, f) < 0 else ""
    if f == 0:
        return sign + "0"
    from decimal import Decimal
    t = Decimal(repr(abs(f))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    exp = len(digits) + int(t.exponent) - 1
    if exp < -4 or exp >= 6:
        tail = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{tail}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def go_value_text(value: Any) -> str:
    """`fmt.Sprintf("%v", value)` for the primitive types a var can hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_format_g(value)
    return str(value)


def _is_primitive(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def expand(text: str, values: Mapping[str, Any]) -> Any:
    """Return `text` with every known `$(NAME)` replaced (possibly a non-string value)."""
    if "$" not in text:
        return text
    out: list[str] = []
    checkpoint = 0
    cursor = 0
    n = len(text)
    while cursor < n:
        if text[cursor] == "$" and cursor + 1 < n:
            out.append(text[checkpoint:cursor])
            nxt = text[cursor + 1]
            if nxt == "$":
                out.append("$")
                advance = 1
            elif nxt == "(":
                close = text.find(")", cursor + 2)
                if close < 0:
                    out.append("$(")
                    advance = 1
                else:
                    name = text[cursor + 2:close]
                    advance = close - cursor
                    if name in values and _is_primitive(values[name]):
                        mapped: Any = values[name]
                    else:
                        mapped = f"$({name})"
                    if text == f"$({name})":
                        return mapped
                    out.append(go_value_text(mapped))
            else:
                out.append("$" + nxt)
                advance = 1
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    out.append(text[checkpoint:])
    return "".join(out)
