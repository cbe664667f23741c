"""The filters lamina adds to Jinja2's built-ins, for YAML output and Helm habits.

``indent`` follows Helm (the first line is indented too, blank lines are left alone),
not Jinja's built-in; ``nindent`` is Helm's: a newline, then ``indent``. ``default`` is
Jinja's own (``value | default(fallback)``, ``default(fallback, true)`` also replaces "").
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Callable

import yaml
from jinja2 import Undefined

from lamina.templates.errors import TemplateError
from lamina.templates.output import Structure, escape_yaml_unsafe, finalize, quote_string
from lamina.templates.paths import format_path
from lamina.templates.values import SafeDumper


def toyaml(value: Any) -> str:
    """Block-style YAML (like Helm's toYaml), keys in their order, no trailing newline."""
    text = yaml.dump(_plain(value), Dumper=SafeDumper, default_flow_style=False,
                     sort_keys=False, allow_unicode=True, width=10**9)
    if text.endswith("\n...\n"):  # a lone scalar gets an explicit document end
        text = text[: -len("...\n")]
    return text.rstrip("\n")


def _toyaml_filter(value: Any) -> str:
    """``toyaml`` in templates: the text, marked as a structure so that, alone on its line,
    the renderer indents it to its column (see render.py)."""
    text = toyaml(value)
    plain = _plain(value)
    return Structure(text, plain) if isinstance(plain, (dict, list)) and plain else text


def tojson(value: Any) -> str:
    """Compact JSON on one line, in key order; also valid inline YAML."""
    try:
        text = json.dumps(_plain(value), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"tojson: {exc}") from None
    return escape_yaml_unsafe(text)


def b64encode(value: Any) -> str:
    return base64.b64encode(_text(value).encode("utf-8")).decode("ascii")


def b64decode(value: Any) -> str:
    try:
        return base64.b64decode(_text(value), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise TemplateError(f"b64decode: not base64-encoded UTF-8 text ({exc})") from None


def sha256(value: Any) -> str:
    """Hex digest of the UTF-8 text (Helm's sha256sum), e.g. for a checksum annotation."""
    return hashlib.sha256(_text(value).encode("utf-8")).hexdigest()


def quote(value: Any) -> str:
    """A double-quoted YAML string, so "1.10", "yes" or "" stay strings."""
    return quote_string(_text(value))


class RequiredValueError(TemplateError):
    """``required`` failed; the renderer adds the values files consulted."""


def required(value: Any, message: str | None = None) -> Any:
    """Fail the render when the value is missing, null or empty; pass it through otherwise."""
    if isinstance(value, Undefined) or value is None or value == "":
        path = getattr(value, "value_path", None)
        what = f"value {format_path(path)}" if path else "a required value"
        fix = f"set {format_path(path)} in a values file or with --set" if path else \
            "set it in a values file or with --set"
        raise RequiredValueError(f"{message} ({what} is not set; {fix})" if message
                                 else f"{what} is required: {fix}")
    return value


def indent(text: Any, width: int = 4, first: bool = True, blank: bool = False) -> str:
    pad = " " * width
    lines = _text(text).split("\n")
    out = [(pad + line) if (line or blank) else line for line in lines]
    if not first and out:
        out[0] = lines[0]
    return "\n".join(out)


def nindent(text: Any, width: int = 4) -> str:
    return "\n" + indent(text, width)


LAMINA_FILTERS: dict[str, Callable[..., Any]] = {
    "toyaml": _toyaml_filter,
    "tojson": tojson,
    "b64encode": b64encode,
    "b64decode": b64decode,
    "sha256": sha256,
    "sha256sum": sha256,
    "quote": quote,
    "required": required,
    "indent": indent,
    "nindent": nindent,
}


def _text(value: Any) -> str:
    """A value as text, scalars spelled the way they would render (true, not True)."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises, naming the missing value
    result = finalize(value)
    return result if isinstance(result, str) else str(result)


def _plain(value: Any) -> Any:
    """Tuples as lists, so dumps are plain YAML/JSON; undefined parts raise."""
    if isinstance(value, Undefined):
        str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
