"""What a plain scalar means to go-yaml, and how Go prints numbers.

Kustomize reads with go-yaml v3 (through kyaml) and writes through go-yaml v2 (through
sigs.k8s.io/yaml). The two disagree on what an unquoted word means: v3 knows only the
YAML 1.2 core booleans, v2 still treats `yes`/`on`/`y` as booleans. So the reader uses
`resolve_v3` to give plain scalars their value, and the writer uses `resolves_to_str_v2`
to decide which strings must be double-quoted so that a v2 reader would get the string
back. Both are ports of go-yaml's `resolve()` and share the Go number and timestamp
grammar below.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1

# Which first bytes can start something other than a string (go-yaml's resolveTable):
# S = sign, D = digit, M = a word in the table below, "." = maybe a float.
RESOLVE_HINT = {"+": "S", "-": "S", ".": "."}
RESOLVE_HINT.update({c: "D" for c in "0123456789"})
RESOLVE_HINT.update({c: "M" for c in "yYnNtTfFoO~"})

_NULL_WORDS = ("", "~", "null", "Null", "NULL")
_NAN_WORDS = (".nan", ".NaN", ".NAN")
_INF_WORDS = (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")
_NEG_INF_WORDS = ("-.inf", "-.Inf", "-.INF")

# v3 (what kyaml reads): only the YAML 1.2 core booleans.
_V3_WORDS: dict[str, object] = {"true": True, "True": True, "TRUE": True,
                                 "false": False, "False": False, "FALSE": False}
# v2 (what the writer must protect against): YAML 1.1 booleans as well.
_V2_WORDS: dict[str, object] = dict(_V3_WORDS)
for _w in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"):
    _V2_WORDS[_w] = True
for _w in ("n", "N", "no", "No", "NO", "off", "Off", "OFF"):
    _V2_WORDS[_w] = False
for _table in (_V3_WORDS, _V2_WORDS):
    _table.update({w: None for w in _NULL_WORDS})
    _table.update({w: math.nan for w in _NAN_WORDS})
    _table.update({w: math.inf for w in _INF_WORDS})
    _table.update({w: -math.inf for w in _NEG_INF_WORDS})
del _w, _table

_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")
_DIGITS = {
    2: re.compile(r"[01]+\Z"),
    8: re.compile(r"[0-7]*\Z"),
    10: re.compile(r"[0-9]+\Z"),
    16: re.compile(r"[0-9a-fA-F]+\Z"),
}
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:([Tt])|( ))([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?"
    r"(Z|[-+][0-9]{2}:[0-9]{2})?)?\Z"
)
_BASE60_START = frozenset("+-0123456789")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _parse_unsigned_base0(s: str) -> int | None:
    """Go's ParseUint(s, 0, 64) without the range check: prefixes 0x, 0o, 0b and 0."""
    if not s:
        return None
    base = 10
    if s[0] == "0":
        prefix = s[1:2].lower()
        if len(s) >= 3 and prefix in ("b", "o", "x"):
            base = {"b": 2, "o": 8, "x": 16}[prefix]
            s = s[2:]
        else:
            base = 8
            s = s[1:]
    if not _DIGITS[base].match(s):
        return None
    return int(s, base) if s else 0


def go_parse_int(s: str) -> int | None:
    """strconv.ParseInt(s, 0, 64): a signed Go integer literal, or None."""
    neg = False
    if s[:1] in ("+", "-"):
        neg = s[0] == "-"
        s = s[1:]
    n = _parse_unsigned_base0(s)
    if n is None:
        return None
    n = -n if neg else n
    return n if INT64_MIN <= n <= INT64_MAX else None


def go_parse_uint(s: str) -> int | None:
    """strconv.ParseUint(s, 0, 64): no sign allowed, up to 2**64-1."""
    n = _parse_unsigned_base0(s)
    return n if n is not None and n <= UINT64_MAX else None


def _finite_float(s: str) -> float | None:
    value = float(s)
    # Go's ParseFloat reports a range error (and the scalar stays a string) on overflow.
    return None if math.isinf(value) else value


def parse_timestamp(s: str) -> str | None:
    """go-yaml's timestamp forms, as the RFC 3339 text Go's JSON encoder writes, or None.

    Accepted like Go's time.Parse with go-yaml's layouts: `2006-1-2`, `2006-1-2T15:4:5Z07:00`
    (also lower-case `t`, optional fraction) and `2006-1-2 15:4:5` (no zone, so UTC).
    Out-of-range fields (month 13, Feb 30, hour 24) make it not a timestamp at all.
    """
    m = _TIMESTAMP.match(s)
    if m is None:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    has_time = m[4] is not None or m[5] is not None
    zone = m[10]
    if m[4] is not None and zone is None:  # the T layouts require a zone
        return None
    if m[5] is not None and zone is not None:  # the space layout has none
        return None
    if not 1 <= month <= 12:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]
    if not 1 <= day <= days:
        return None
    hour = minute = second = 0
    frac = ""
    if has_time:
        hour, minute, second = int(m[6]), int(m[7]), int(m[8])
        if hour > 23 or minute > 59 or second > 59:
            return None
        if m[9]:
            # Go keeps nanoseconds (first nine digits); RFC3339Nano drops trailing zeros.
            frac = m[9][:9].ljust(9, "0").rstrip("0")
            frac = "." + frac if frac else ""
    suffix = "Z"
    if zone and zone != "Z":
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 24 or zm > 60:
            return None
        offset = zh * 60 + zm
        if offset:
            if offset >= 24 * 60:  # Go's JSON encoder refuses such offsets
                return None
            suffix = f"{zone[0]}{offset // 60:02d}:{offset % 60:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{frac}{suffix}"


def _resolve_number(s: str, with_timestamps: bool) -> str | int | float | None:
    """The 'D'/'S' branch of go-yaml's resolve(): timestamp, int, uint, float or None."""
    if with_timestamps:
        ts = parse_timestamp(s)
        if ts is not None:
            return ts
    plain = s.replace("_", "") if "_" in s else s
    if not plain:
        return None
    n = go_parse_int(plain)
    if n is not None:
        return n
    n = go_parse_uint(plain)
    if n is not None:
        return n
    if _YAML_FLOAT.match(plain):
        return _finite_float(plain)
    # ParseInt with base 0 already covers the 0b and 0o prefixes go-yaml retries here.
    return None


def resolve_v3(s: str) -> object:
    """Value of an unquoted scalar as kyaml (go-yaml v3) reads it.

    Returns str (unchanged text, or an RFC 3339 text for a timestamp), bool, None, int,
    or float (possibly nan/inf, which the caller must refuse). `<<` is a plain string
    here, as in go-yaml: the merge key is recognised by the reader from the raw text.
    """
    if s and s[0] not in RESOLVE_HINT:
        return s  # the common case: a word that cannot be anything but a string
    if len(s) > 64:
        return _resolve_v3(s)
    return _resolve_v3_cached(s)


def _resolve_v3(s: str) -> object:
    hint = RESOLVE_HINT.get(s[:1], "N")
    if s in _V3_WORDS:
        return _V3_WORDS[s]
    if hint == ".":
        return _finite_float(s) if _DOT_FLOAT.match(s) else s
    if hint in ("D", "S"):
        value = _resolve_number(s, with_timestamps=True)
        return s if value is None else value
    return s


# Short scalars repeat endlessly in manifests (ports, `true`, image tags); the results
# are immutable, so memoising them is safe.
_resolve_v3_cached = lru_cache(maxsize=1 << 15)(_resolve_v3)


def resolves_to_str_v2(s: str) -> bool:
    """True when go-yaml v2 would read `s`, written plain, back as the same string.

    go-yaml v2 double-quotes every string for which this is False, and also base-60
    look-alikes such as `12:30`, which `needs_double_quotes` adds.
    """
    hint = RESOLVE_HINT.get(s[:1], "N" if not s else None)
    if hint is None:
        return True
    if s in _V2_WORDS:
        return False
    if hint == ".":
        return not (_DOT_FLOAT.match(s) and _finite_float(s) is not None)
    if hint in ("D", "S"):
        return _resolve_number(s, with_timestamps=True) is None
    return True


def needs_double_quotes(s: str) -> bool:
    """go-yaml v2's rule for forcing `"..."` on a string (before the emitter's own checks)."""
    if not resolves_to_str_v2(s):
        return True
    if ":" not in s or s[0] not in _BASE60_START:
        return False
    return _BASE60.match(s) is not None


def go_float_text(f: float) -> str:
    """How Kustomize prints a float: Go's JSON encoding, read back by go-yaml v2.

    Go's JSON encoder writes an integral value below 1e21 as its shortest digits padded
    with zeros (`3.0` -> `3`, `-2**63` -> `-9223372036854776000`), and go-yaml v2 reads
    that back as an integer when it fits int64/uint64. Everything else ends up as
    strconv.FormatFloat(f, 'g', -1, 64): `1.5e-07`, `1.2345675e+06`, `1e+21`.
    """
    if f != f or f in (math.inf, -math.inf):
        raise ValueError("NaN and infinity cannot be written (Kustomize: json: unsupported value)")
    digits, point = _shortest_digits(f)
    if f == int(f) and abs(f) < 1e21:
        n = 0 if digits == "0" else int(digits + "0" * (point - len(digits)))
        n = -n if f < 0 else n
        if INT64_MIN <= n <= UINT64_MAX:
            return str(n)
    sign = "-" if f < 0 else ""
    if digits == "0":
        return sign + "0"
    x = point - 1
    if x < -4 or x >= 6:
        tail = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{tail}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of |f| and where the decimal point goes.

    Python's repr and Go's strconv both print the shortest digit string that reads back
    as the same float, so the digits agree; only the layout differs.
    """
    mantissa, _, exp_text = repr(abs(f)).partition("e")
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = whole + frac
    point = len(whole) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    return (stripped.rstrip("0") or "0"), point
