"""Kubernetes' CEL quantity, url, ip/cidr and format libraries (functions for k8scel).

Values the CEL library has no type for (a quantity, a URL, an IP, a CIDR, a format) are
maps with one marker key; methods take them as their first argument.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from lamina.policies.celtext import CelFunctionError, _str

Q, U, IP, CIDR, FMT = "__quantity__", "__url__", "__ip__", "__cidr__", "__format__"


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
    return number * Decimal(str(_SUFFIX[suffix]))


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

FORMATS = ("dns1123Label", "dns1123Subdomain", "dns1035Label", "qualifiedName", "dns1123LabelPrefix",
           "dns1123SubdomainPrefix", "dns1035LabelPrefix", "labelValue", "uri", "uuid", "byte",
           "date", "datetime", "namespace", "cIdentifier")

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
