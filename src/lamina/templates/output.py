"""How the value of a ``{{ expression }}`` becomes YAML text (the environment's finalize).

The rule: a map or list is written as one line of flow YAML (JSON-like, so it parses back
equal wherever a YAML value may stand: after ``key:``, after ``- ``, inside ``[...]``).
Booleans, null and numbers are spelled as YAML reads them back (``true``, ``null``,
``1.0e+20``), not as Python prints them (``True``, ``None``, ``1e+20`` is a YAML 1.1 string).
Strings are inserted as text, so ``image: {{ repo }}:{{ tag }}`` and ``toyaml | nindent``
work; use ``quote`` (or ``tojson``) when a string must stay a string (``"1.10"``, ``"yes"``).

One line per structure keeps rendering line-preserving, which lets errors in the rendered
YAML point at the template line. Inside a quoted YAML scalar, a structure is JSON text whose
double quotes end the scalar: write ``key: {{ x | tojson | quote }}`` instead. Inside a
block scalar (``|``), it is one line of JSON, which is what embedding a JSON config wants.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Characters JSON leaves raw but YAML treats as line breaks or refuses in a document.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


class Structure(str):
    """The flow YAML of a map or list expression, remembering the value, so that the renderer
    can splice it in as block YAML when it stands alone on its line (see ``block_yaml``)."""

    value: Any

    def __new__(cls, text: str, value: Any) -> "Structure":
        obj = super().__new__(cls, text)
        obj.value = value
        return obj

    def __str__(self) -> str:  # Jinja yields str(finalize(x)): keep the marker
        return self


def finalize(value: Any) -> Any:
    """Jinja's finalize hook: structures and non-string scalars as YAML, strings untouched."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return Structure(flow_yaml(value), value)
    if isinstance(value, (bool, float)) or value is None:
        return flow_yaml(value)
    return value


def block_yaml(value: Any, indent: int) -> str:
    """Block YAML for a non-empty map or list, every line but the first indented by
    ``indent`` (the first goes where the expression stood); scalars and empty collections
    are written as ``flow_yaml`` writes them, so strings stay strings."""
    lines: list[str] = []
    _block(value, 0, lines)
    pad = " " * indent
    return ("\n" + pad).join(lines)


def _block(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list, tuple)) and item:
                lines.append(f"{pad}{_key(key)}:")
                _block(item, indent + 2, lines)
            else:
                lines.append(f"{pad}{_key(key)}: {flow_yaml(item)}")
        return
    for item in value:
        if isinstance(item, (dict, list, tuple)) and item:
            start = len(lines)
            _block(item, indent + 2, lines)
            lines[start] = f"{pad}- " + lines[start][indent + 2:]
        else:
            lines.append(f"{pad}- {flow_yaml(item)}")


def flow_yaml(value: Any) -> str:
    """One line of flow YAML for plain data; JSON-compatible except for special floats."""
    if isinstance(value, dict):
        items = (f"{_key(k)}: {flow_yaml(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow_yaml(v) for v in value) + "]"
    if isinstance(value, str):
        return quote_string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, int):
        return str(value)
    return quote_string(str(value))


def quote_string(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``text``, on one line."""
    return escape_yaml_unsafe(json.dumps(text, ensure_ascii=False))


def escape_yaml_unsafe(json_text: str) -> str:
    """Escape, in JSON text, the characters YAML reads as line breaks or refuses (U+2028...).

    Only valid where they sit inside JSON strings, which is the only place JSON allows them.
    """
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def _key(key: Any) -> str:
    return quote_string(key) if isinstance(key, str) else flow_yaml(key)


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    # YAML 1.1 (PyYAML) reads "1e+20" as a string: it wants a dot in the mantissa.
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text
