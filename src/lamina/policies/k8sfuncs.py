"""The Kubernetes CEL extension libraries, as one table of functions for the CEL library
(celtext.py: strings, lists, regex; celtypes.py: quantity, url, ip/cidr, format;
celoptional.py: optionals)."""

from __future__ import annotations

import math
from typing import Any, Callable

from lamina.policies.celtext import (CelFunctionError, list_arg, char_at, distinct, find, find_all,
                                     flatten, index_of, is_sorted, join, last_index_of, list_max,
                                     list_min, list_slice, list_sum, lower_ascii, quote, replace, reverse,
                                     split, string_format, substring, str_arg, upper_ascii)
from lamina.policies.celtypes import (CIDR, FORMATS, format_fn, ip_value, net_value, quantity_value, url_value, cidr,
                                      contains_cidr, contains_ip, family, format_named, get_host,
                                      get_hostname, get_port, get_query, ip, is_cidr, is_ip,
                                      is_quantity, is_url, parse_quantity, q_add, q_as_integer,
                                      q_compare, q_div, q_div_int, q_is_integer, q_mul, q_sign, q_sub, quantity, url,
                                      validate)

__all__ = ["FUNCTIONS", "CelFunctionError", "parse_quantity"]


# ---- overloaded names, dispatched on the receiver -----------------------------------------

def is_greater_than(a: Any, b: Any) -> bool:
    return q_compare(a, b) > 0


def is_less_than(a: Any, b: Any) -> bool:
    return q_compare(a, b) < 0


def add(a: Any, b: Any) -> Any:
    return q_add(a, b)


def _math_ceil(x: Any) -> float:
    return float(math.ceil(x))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # strings
    "charAt": char_at, "indexOf": index_of, "lastIndexOf": last_index_of,
    "lowerAscii": lower_ascii, "upperAscii": upper_ascii,
    "replace": replace, "split": split, "substring": substring,
    "trim": lambda s: str_arg(s, "trim").strip(), "join": join, "reverse": reverse,
    "format": string_format, "__strings_quote": quote,
    # lists
    "isSorted": is_sorted, "sum": list_sum, "min": list_min, "max": list_max,
    "flatten": flatten, "distinct": distinct, "slice": list_slice,
    "sort": lambda x: sorted(list_arg(x, "sort")),
    "__lists_range": lambda n: list(range(n)),
    # regex
    "find": find, "findAll": find_all,
    # quantity
    "quantity": quantity, "isQuantity": is_quantity, "sign": q_sign,
    "mul": q_mul, "div": q_div, "divInt": q_div_int,
    "isGreaterThan": is_greater_than, "isLessThan": is_less_than, "compareTo": q_compare,
    "add": add, "sub": q_sub, "asInteger": q_as_integer, "isInteger": q_is_integer,
    "asApproximateFloat": lambda a: float(quantity_value(a)),
    # url
    "url": url, "isURL": is_url, "getScheme": lambda u: url_value(u).scheme, "getHost": get_host,
    "getHostname": get_hostname, "getPort": get_port,
    "getEscapedPath": lambda u: url_value(u).path, "getQuery": get_query,
    # ip and cidr
    "ip": ip, "isIP": is_ip, "cidr": cidr, "isCIDR": is_cidr, "family": family,
    "containsIP": contains_ip, "containsCIDR": contains_cidr,
    "isUnspecified": lambda x: ip_value(x).is_unspecified, "isLoopback": lambda x: ip_value(x).is_loopback,
    "isLinkLocalMulticast": lambda x: ip_value(x).is_multicast and ip_value(x).is_link_local,
    "isLinkLocalUnicast": lambda x: ip_value(x).is_link_local and not ip_value(x).is_multicast,
    "isGlobalUnicast": lambda x: ip_value(x).is_global and not ip_value(x).is_multicast,
    "prefixLength": lambda c: net_value(c).prefixlen,
    "masked": lambda c: {CIDR: str(net_value(c))},
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
    FUNCTIONS[f"__format_{_name}"] = format_fn(_name)
