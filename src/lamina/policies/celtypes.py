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

from lamina.policies.celtext import CelFunctionError, str_arg

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
    # Kept by value: quantity("200M") == quantity("0.2G"), as in Kubernetes.
    return _from_decimal(parse_quantity(str_arg(text, "quantity")))


def is_quantity(text: Any) -> bool:
    str_arg(text, "isQuantity")           # no overload for other types: an error
    try:
        parse_quantity(text)
        return isinstance(text, str)
    except (CelFunctionError, InvalidOperation):
        return False


def quantity_value(x: Any) -> Decimal:
    if not (isinstance(x, dict) and Q in x):
        raise CelFunctionError("expected a quantity")
    return parse_quantity(x[Q])


def _from_decimal(d: Decimal) -> dict:
    text = format(d.normalize(), "f")
    return {Q: "0" if text in ("-0", "0") else text}


def _operand(b: Any) -> Decimal:
    return Decimal(b) if isinstance(b, int) and not isinstance(b, bool) else quantity_value(b)


def q_mul(a: Any, b: Any) -> dict:
    return _from_decimal(quantity_value(a) * _operand(b))


def q_div(a: Any, b: Any) -> dict:
    d = _operand(b)
    if d == 0:
        raise CelFunctionError("division by zero")
    return _from_decimal(quantity_value(a) / d)


def q_div_int(a: Any, b: Any) -> dict:
    d = _operand(b)
    if d == 0:
        raise CelFunctionError("division by zero")
    return _from_decimal((quantity_value(a) / d).to_integral_value(rounding="ROUND_DOWN"))


def q_add(a: Any, b: Any) -> dict:
    return _from_decimal(quantity_value(a) + _operand(b))


def q_sub(a: Any, b: Any) -> dict:
    return _from_decimal(quantity_value(a) - _operand(b))


def q_as_integer(a: Any) -> int:
    v = quantity_value(a)
    if v != v.to_integral_value() or abs(v) > 2 ** 63 - 1:
        raise CelFunctionError("cannot convert value to integer")
    return int(v)


def q_is_integer(a: Any) -> bool:
    v = quantity_value(a)
    return v == v.to_integral_value() and abs(v) <= 2 ** 63 - 1


def q_sign(a: Any) -> int:
    v = quantity_value(a)
    return (v > 0) - (v < 0)


def q_compare(a: Any, b: Any) -> int:
    x, y = quantity_value(a), quantity_value(b)
    return (x > y) - (x < y)


# ---- url --------------------------------------------------------------------------------

def url(text: Any) -> dict:
    s = str_arg(text, "url")
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


def url_value(x: Any) -> urllib.parse.SplitResult:
    if not (isinstance(x, dict) and U in x):
        raise CelFunctionError("expected a URL")
    return urllib.parse.urlsplit(x[U])


def get_host(x: Any) -> str:
    return url_value(x).netloc.rpartition("@")[2]


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
    return {k: v for k, v in urllib.parse.parse_qs(url_value(x).query, keep_blank_values=True).items()}


# ---- ip and cidr ------------------------------------------------------------------------

def ip(text: Any) -> dict:
    try:
        ipaddress.ip_address(str_arg(text, "ip"))
    except ValueError:
        raise CelFunctionError(f"IP Address {text!r} parse error during conversion from string") from None
    return {IP: text}


def cidr(text: Any) -> dict:
    try:
        ipaddress.ip_network(str_arg(text, "cidr"), strict=False)
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


def ip_value(x: Any) -> Any:
    return ipaddress.ip_address(x[IP]) if isinstance(x, dict) and IP in x else ipaddress.ip_address(x)


def net_value(x: Any) -> Any:
    return ipaddress.ip_network(x[CIDR], strict=False)


def family(x: Any) -> int:
    return ip_value(x).version


def contains_ip(c: Any, x: Any) -> bool:
    return ip_value(x) in net_value(c)


def contains_cidr(c: Any, other: Any) -> bool:
    o = net_value(other) if isinstance(other, dict) else ipaddress.ip_network(other, strict=False)
    return o.subnet_of(net_value(c)) if o.version == net_value(c).version else False


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


_MSG_1123_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                   "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
                   "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
_MSG_1123_SUB = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                 "'-' or '.', and must start and end with an alphanumeric character (e.g. "
                 "'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
_MSG_1035 = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
             "with an alphabetic character, and end with an alphanumeric character (e.g. "
             "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
_MSG_QUALIFIED = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                  "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                  "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_MSG_LABEL_VALUE = ("a valid label must be an empty string or consist of alphanumeric characters, "
                    "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                    "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def _too_long(n: int) -> str:
    return f"must be no more than {n} characters"


def _mask_trailing_dash(value: str) -> str:
    """As Kubernetes checks a generateName prefix: a trailing '-' stands for a character."""
    return value[:-1] + "a" if len(value) > 1 and value.endswith("-") else value


def _dns_label(value: str, pattern: re.Pattern[str], message: str) -> list[str]:
    errs = [_too_long(63)] if len(value) > 63 else []
    return errs + ([] if pattern.match(value) else [message])


def _dns_subdomain(value: str) -> list[str]:
    errs = [_too_long(253)] if len(value) > 253 else []
    return errs + ([] if _DNS1123_SUB.match(value) else [_MSG_1123_SUB])


def _qualified(value: str) -> list[str]:
    parts = value.split("/")
    if len(parts) == 1:
        prefix, name = "", parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ["prefix part must be non-empty"]
    else:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
                "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
                "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errs = ["prefix part " + e for e in _dns_subdomain(prefix)] if prefix else []
    if not name:
        return errs + ["name part must be non-empty"]
    if len(name) > 63:
        errs.append("name part " + _too_long(63))
    if not _QUALIFIED.match(name):
        errs.append(_MSG_QUALIFIED)
    return errs


def _check_format(name: str, value: str) -> list[str]:
    """Kubernetes' own messages (k8s.io/apimachinery/pkg/util/validation), none when valid."""
    if name in ("dns1123Label", "namespace"):
        return _dns_label(value, _DNS1123_LABEL, _MSG_1123_LABEL)
    if name == "dns1123LabelPrefix":
        return _dns_label(_mask_trailing_dash(value), _DNS1123_LABEL, _MSG_1123_LABEL)
    if name == "dns1123Subdomain":
        return _dns_subdomain(value)
    if name == "dns1123SubdomainPrefix":
        return _dns_subdomain(_mask_trailing_dash(value))
    if name == "dns1035Label":
        return _dns_label(value, _DNS1035, _MSG_1035)
    if name == "dns1035LabelPrefix":
        return _dns_label(_mask_trailing_dash(value), _DNS1035, _MSG_1035)
    if name == "qualifiedName":
        return _qualified(value)
    if name == "labelValue":
        errs = [_too_long(63)] if len(value) > 63 else []
        return errs + ([] if _LABEL_VALUE.match(value) else [_MSG_LABEL_VALUE])
    if name == "cIdentifier":
        return [] if _C_IDENT.match(value) else [
            "a valid C identifier must start with alphabetic character or '_', followed by a string "
            "of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex "
            "used for validation is '[A-Za-z_][A-Za-z0-9_]*')"]
    if name == "uri":
        return [] if is_url(value) else ["invalid URI"]
    if name == "uuid":
        ok = bool(re.match(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", value))
        return [] if ok else ["does not match the UUID format"]
    if name == "byte":
        import base64
        try:
            base64.b64decode(value, validate=True)
            return []
        except ValueError:
            return ["invalid base64"]
    if name == "date":
        import datetime
        try:
            datetime.date.fromisoformat(value)
            return [] if re.match(r"^\d{4}-\d{2}-\d{2}$", value) else ["invalid date"]
        except ValueError:
            return ["invalid date"]
    if name == "datetime":
        import datetime
        m = re.match(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", value)
        try:
            datetime.datetime.fromisoformat(value[:19])
        except ValueError:
            m = None
        return [] if m else ["invalid datetime"]
    raise CelFunctionError(f"format '{name}' is not one Kubernetes defines")


def format_named(name: Any) -> dict:
    """format.named(): an optional, empty for a name Kubernetes does not define."""
    from lamina.policies.celoptional import none, of
    return of({FMT: str(name)}) if str(name) in FORMATS else none()


def format_fn(name: str) -> Callable[[], dict]:
    return lambda: {FMT: name}


def validate(f: Any, value: Any) -> dict:
    """An optional: empty when valid, else the list of what is wrong."""
    from lamina.policies.celoptional import none, of
    if not (isinstance(f, dict) and FMT in f):
        raise CelFunctionError("validate: expected a format")
    errors = _check_format(f[FMT], str_arg(value, "validate"))
    return of(errors) if errors else none()
