"""The Kubernetes CEL extension libraries, as functions for the CEL library.

Values the CEL library has no type for (a quantity, a URL, an IP, a CIDR, a format) are
maps with one marker key; methods take them as their first argument. An optional
(`format.dns1123Label().validate(x)`) is a list: empty for none.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

Q, U, IP, CIDR, FMT = "__quantity__", "__url__", "__ip__", "__cidr__", "__format__"


class CelFunctionError(ValueError):
    pass


# ---- strings ----------------------------------------------------------------------------

def _str(x: Any, what: str) -> str:
    if not isinstance(x, str):
        raise CelFunctionError(f"{what}: expected a string, got {type(x).__name__}")
    return x


def index_of(x: Any, sub: Any, start: int = 0) -> int:
    if isinstance(x, list):
        return next((i for i, v in enumerate(x) if v == sub), -1)
    s = _str(x, "indexOf")
    if start < 0 or start > len(s):
        raise CelFunctionError("indexOf: index out of range")
    return s.find(sub, start)


def last_index_of(x: Any, sub: Any, end: int | None = None) -> int:
    if isinstance(x, list):
        return next((i for i in range(len(x) - 1, -1, -1) if x[i] == sub), -1)
    s = _str(x, "lastIndexOf")
    return s.rfind(sub, 0, len(s) if end is None else end + len(sub))


def replace(s: Any, old: str, new: str, n: int = -1) -> str:
    return _str(s, "replace").replace(old, new, n if n >= 0 else -1)


def split(s: Any, sep: str, n: int = -1) -> list[str]:
    s = _str(s, "split")
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        return parts if n < 0 else parts[:n - 1] + ["".join(parts[n - 1:])] if n < len(parts) else parts
    return s.split(sep, n - 1 if n > 0 else -1)


def substring(s: Any, start: int, end: int | None = None) -> str:
    s = _str(s, "substring")
    end = len(s) if end is None else end
    if start < 0 or end > len(s) or start > end:
        raise CelFunctionError(f"substring: range [{start}:{end}] out of bounds for length {len(s)}")
    return s[start:end]


def char_at(s: Any, i: int) -> str:
    s = _str(s, "charAt")
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
    s = _str(s, "format")
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


def quote(s: Any) -> str:
    return json.dumps(_str(s, "quote"), ensure_ascii=False)


# ---- lists ------------------------------------------------------------------------------

def _list(x: Any, what: str) -> list:
    if not isinstance(x, list):
        raise CelFunctionError(f"{what}: expected a list, got {type(x).__name__}")
    return x


def is_sorted(x: Any) -> bool:
    x = _list(x, "isSorted")
    return all(x[i] <= x[i + 1] for i in range(len(x) - 1))


def list_sum(x: Any) -> Any:
    x = _list(x, "sum")
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
    for v in _list(x, "flatten"):
        if isinstance(v, list) and depth > 0:
            out.extend(flatten(v, depth - 1))
        else:
            out.append(v)
    return out


def distinct(x: Any) -> list:
    out: list = []
    for v in _list(x, "distinct"):
        if v not in out:
            out.append(v)
    return out


def list_slice(x: Any, start: int, end: int) -> list:
    x = _list(x, "slice")
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
    m = _regex(pattern).search(_str(s, "find"))
    return m.group(0) if m else ""


def find_all(s: Any, pattern: str, n: int = -1) -> list[str]:
    found = [m.group(0) for m in _regex(pattern).finditer(_str(s, "findAll"))]
    return found if n < 0 else found[:n]


# ---- quantity ---------------------------------------------------------------------------

_QTY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_SUFFIX = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
           "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
           "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}


def parse_quantity(text: Any) -> Decimal:
    """A Kubernetes quantity's value ('500m' -> 0.5, '1Gi' -> 1073741824)."""
    if isinstance(text, dict) and Q in text:
        text = text[Q]
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Decimal(str(text))
    m = _QTY.match(str(text).strip()) if isinstance(text, str) else None
    if not m:
        raise CelFunctionError(f"quantities must match the regular expression "
                               f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {text!r}")
    number, suffix = Decimal(m.group(1)), m.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * Decimal(_SUFFIX[suffix])


def quantity(text: Any) -> dict:
    parse_quantity(text)
    return {Q: str(text)}


def is_quantity(text: Any) -> bool:
    try:
        parse_quantity(text)
        return isinstance(text, str)
    except (CelFunctionError, InvalidOperation):
        return False


def _q(x: Any) -> Decimal:
    if not (isinstance(x, dict) and Q in x):
        raise CelFunctionError("expected a quantity")
    return parse_quantity(x[Q])


def _from_decimal(d: Decimal) -> dict:
    text = format(d.normalize(), "f")
    return {Q: text}


def q_add(a: Any, b: Any) -> dict:
    return _from_decimal(_q(a) + (Decimal(b) if isinstance(b, int) else _q(b)))


def q_sub(a: Any, b: Any) -> dict:
    return _from_decimal(_q(a) - (Decimal(b) if isinstance(b, int) else _q(b)))


def q_as_integer(a: Any) -> int:
    v = _q(a)
    if v != v.to_integral_value() or abs(v) > 2 ** 63 - 1:
        raise CelFunctionError("cannot convert value to integer")
    return int(v)


def q_is_integer(a: Any) -> bool:
    v = _q(a)
    return v == v.to_integral_value() and abs(v) <= 2 ** 63 - 1


def q_sign(a: Any) -> int:
    v = _q(a)
    return (v > 0) - (v < 0)


def q_compare(a: Any, b: Any) -> int:
    x, y = _q(a), _q(b)
    return (x > y) - (x < y)


# ---- url --------------------------------------------------------------------------------

def url(text: Any) -> dict:
    s = _str(text, "url")
    parsed = urllib.parse.urlsplit(s)
    if not (parsed.scheme and (parsed.netloc or s.startswith("/"))) and not s.startswith("/"):
        raise CelFunctionError(f"URL parse error during conversion from string: {s!r}")
    return {U: s}


def is_url(text: Any) -> bool:
    try:
        url(text)
        return True
    except CelFunctionError:
        return False


def _u(x: Any) -> urllib.parse.SplitResult:
    if not (isinstance(x, dict) and U in x):
        raise CelFunctionError("expected a URL")
    return urllib.parse.urlsplit(x[U])


def get_host(x: Any) -> str:
    return _u(x).netloc.rpartition("@")[2]


def get_hostname(x: Any) -> str:
    host = get_host(x)
    if host.startswith("["):
        return host[1:host.index("]")]
    return host.rpartition(":")[0] if ":" in host else host


def get_port(x: Any) -> str:
    host = get_host(x)
    tail = host.rpartition("]")[2] if host.startswith("[") else host
    return tail.rpartition(":")[2] if ":" in tail else ""


def get_query(x: Any) -> dict[str, list[str]]:
    return {k: v for k, v in urllib.parse.parse_qs(_u(x).query, keep_blank_values=True).items()}


# ---- ip and cidr ------------------------------------------------------------------------

def ip(text: Any) -> dict:
    try:
        ipaddress.ip_address(_str(text, "ip"))
    except ValueError:
        raise CelFunctionError(f"IP Address {text!r} parse error during conversion from string") from None
    return {IP: text}


def cidr(text: Any) -> dict:
    try:
        ipaddress.ip_network(_str(text, "cidr"), strict=False)
    except ValueError:
        raise CelFunctionError(f"network address parse error during conversion from string: {text!r}") from None
    return {CIDR: text}


def is_ip(text: Any) -> bool:
    try:
        ip(text)
        return "%" not in text
    except CelFunctionError:
        return False


def is_cidr(text: Any) -> bool:
    try:
        cidr(text)
        return True
    except CelFunctionError:
        return False


def _ip(x: Any) -> Any:
    return ipaddress.ip_address(x[IP]) if isinstance(x, dict) and IP in x else ipaddress.ip_address(x)


def _net(x: Any) -> Any:
    return ipaddress.ip_network(x[CIDR], strict=False)


def family(x: Any) -> int:
    return _ip(x).version


def contains_ip(c: Any, x: Any) -> bool:
    return _ip(x) in _net(c)


def contains_cidr(c: Any, other: Any) -> bool:
    o = _net(other) if isinstance(other, dict) else ipaddress.ip_network(other, strict=False)
    return o.subnet_of(_net(c)) if o.version == _net(c).version else False


# ---- format -----------------------------------------------------------------------------

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_C_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_format(name: str, value: str) -> list[str]:
    if name in ("dns1123Label", "namespace"):
        ok = len(value) <= 63 and bool(_DNS1123_LABEL.match(value))
    elif name in ("dns1123Subdomain",):
        ok = len(value) <= 253 and bool(_DNS1123_SUB.match(value))
    elif name in ("dns1035Label", "dns1123LabelPrefix", "dns1035LabelPrefix", "dns1123SubdomainPrefix"):
        pattern = {"dns1035Label": _DNS1035, "dns1035LabelPrefix": _DNS1035,
                   "dns1123LabelPrefix": _DNS1123_LABEL}.get(name, _DNS1123_SUB)
        v = value.rstrip("-") if name.endswith("Prefix") else value
        ok = len(value) <= 63 and bool(pattern.match(v or "a"))
    elif name == "qualifiedName":
        prefix, _, nm = value.rpartition("/")
        ok = bool(nm) and len(nm) <= 63 and bool(_QUALIFIED.match(nm)) and (
            not prefix or (len(prefix) <= 253 and bool(_DNS1123_SUB.match(prefix))))
    elif name == "labelValue":
        ok = len(value) <= 63 and bool(_LABEL_VALUE.match(value))
    elif name == "cIdentifier":
        ok = bool(_C_IDENT.match(value))
    elif name == "uri":
        ok = is_url(value)
    elif name == "uuid":
        ok = bool(re.match(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", value))
    elif name == "byte":
        import base64
        try:
            base64.b64decode(value, validate=True)
            ok = True
        except ValueError:
            ok = False
    elif name == "date":
        ok = bool(re.match(r"^\d{4}-\d{2}-\d{2}$", value))
    elif name == "datetime":
        ok = bool(re.match(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", value))
    else:
        raise CelFunctionError(f"format '{name}' is not one Kubernetes defines")
    return [] if ok else [f"{value!r} is not a valid {name}"]


def format_named(name: Any) -> dict:
    _check_format(str(name), "a")       # raises for an unknown format
    return {FMT: str(name)}


def _format_fn(name: str) -> Callable[[], dict]:
    return lambda: {FMT: name}


def validate(f: Any, value: Any) -> list[str]:
    if not (isinstance(f, dict) and FMT in f):
        raise CelFunctionError("validate: expected a format")
    return _check_format(f[FMT], _str(value, "validate"))


def has_value(opt: Any) -> bool:
    return bool(opt) if isinstance(opt, list) else opt is not None


def opt_value(opt: Any) -> Any:
    return opt


# ---- overloaded names, dispatched on the receiver -----------------------------------------

def is_greater_than(a: Any, b: Any) -> bool:
    return q_compare(a, b) > 0


def is_less_than(a: Any, b: Any) -> bool:
    return q_compare(a, b) < 0


def add(a: Any, b: Any) -> Any:
    return q_add(a, b)


def _math_ceil(x: Any) -> float:
    return float(math.ceil(x))


FORMATS = ("dns1123Label", "dns1123Subdomain", "dns1035Label", "qualifiedName", "dns1123LabelPrefix",
           "dns1123SubdomainPrefix", "dns1035LabelPrefix", "labelValue", "uri", "uuid", "byte",
           "date", "datetime", "namespace", "cIdentifier")

FUNCTIONS: dict[str, Callable[..., Any]] = {
    # strings
    "charAt": char_at, "indexOf": index_of, "lastIndexOf": last_index_of,
    "lowerAscii": lambda s: _str(s, "lowerAscii").lower(),
    "upperAscii": lambda s: _str(s, "upperAscii").upper(),
    "replace": replace, "split": split, "substring": substring,
    "trim": lambda s: _str(s, "trim").strip(), "join": join, "reverse": reverse,
    "format": string_format, "__strings_quote": quote,
    # lists
    "isSorted": is_sorted, "sum": list_sum, "min": list_min, "max": list_max,
    "flatten": flatten, "distinct": distinct, "slice": list_slice,
    "sort": lambda x: sorted(_list(x, "sort")),
    "__lists_range": lambda n: list(range(n)),
    # regex
    "find": find, "findAll": find_all,
    # quantity
    "quantity": quantity, "isQuantity": is_quantity, "sign": q_sign,
    "isGreaterThan": is_greater_than, "isLessThan": is_less_than, "compareTo": q_compare,
    "add": add, "sub": q_sub, "asInteger": q_as_integer, "isInteger": q_is_integer,
    "asApproximateFloat": lambda a: float(_q(a)),
    # url
    "url": url, "isURL": is_url, "getScheme": lambda u: _u(u).scheme, "getHost": get_host,
    "getHostname": get_hostname, "getPort": get_port,
    "getEscapedPath": lambda u: _u(u).path, "getQuery": get_query,
    # ip and cidr
    "ip": ip, "isIP": is_ip, "cidr": cidr, "isCIDR": is_cidr, "family": family,
    "containsIP": contains_ip, "containsCIDR": contains_cidr,
    "isUnspecified": lambda x: _ip(x).is_unspecified, "isLoopback": lambda x: _ip(x).is_loopback,
    "isLinkLocalMulticast": lambda x: _ip(x).is_multicast and _ip(x).is_link_local,
    "isLinkLocalUnicast": lambda x: _ip(x).is_link_local and not _ip(x).is_multicast,
    "isGlobalUnicast": lambda x: _ip(x).is_global and not _ip(x).is_multicast,
    "prefixLength": lambda c: _net(c).prefixlen,
    "masked": lambda c: {CIDR: str(_net(c))},
    # format
    "__format_named": format_named, "validate": validate,
    # math and sets
    "__math_greatest": list_max, "__math_least": list_min, "__math_ceil": _math_ceil,
    "__math_floor": lambda x: float(math.floor(x)), "__math_abs": abs,
    "__math_round": lambda x: float(round(x)), "__math_isNaN": lambda x: math.isnan(x),
    "__sets_contains": lambda a, b: all(x in a for x in b),
    "__sets_intersects": lambda a, b: any(x in a for x in b),
    "__sets_equivalent": lambda a, b: all(x in a for x in b) and all(x in b for x in a),
}
from lamina.policies.celoptional import FUNCTIONS as _OPTIONAL   # noqa: E402

FUNCTIONS.update(_OPTIONAL)
for _name in FORMATS:
    FUNCTIONS[f"__format_{_name}"] = _format_fn(_name)
