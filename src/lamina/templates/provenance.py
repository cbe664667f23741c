"""``lamina values``: the merged values as YAML, optionally with where each leaf was set.

With ``show_origin`` every leaf line ends in ``# file:line`` (``# --set`` for command-line
values, ``# schema.json`` for schema defaults). Comments do not change the data: the text
parses back to exactly the merged values.
"""

from __future__ import annotations

from typing import Any

import yaml

from lamina.templates.merge import MergedValues
from lamina.templates.output import quote_string
from lamina.templates.paths import ValuePath
from lamina.templates.values import SafeDumper

_INDENT = 2


def format_values(merged: MergedValues, show_origin: bool = False, base: str = "",
                  root: str = "") -> str:
    """The merged values as block YAML, keys in merge order. Origins name files as every
    message does (SourceRef.under: `base` is the folder the build's paths are relative
    to, `root` the folder absolute paths are shown from)."""
    if not merged.data:
        return "{}\n"
    if not show_origin:
        return yaml.dump(merged.data, Dumper=SafeDumper, default_flow_style=False,
                         sort_keys=False, allow_unicode=True, width=10**9)
    lines: list[str] = []
    if base or root:
        merged = MergedValues(data=merged.data, sources=merged.sources,
                              origins={k: v.under(base, root) for k, v in merged.origins.items()})
    _emit_map(merged.data, (), 0, lines, merged)
    return "\n".join(lines) + "\n"


def _emit_map(data: dict[str, Any], at: ValuePath, indent: int, lines: list[str], merged: MergedValues) -> None:
    pad = " " * indent
    for key, value in data.items():
        path = at + (key,)
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{_scalar(key)}:")
            _emit_map(value, path, indent + _INDENT, lines, merged)
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{_scalar(key)}:")
            _emit_list(value, path, indent + _INDENT, lines, merged)
        else:
            lines.append(f"{pad}{_scalar(key)}: {_scalar(value)}{_comment(merged, path)}")


def _emit_list(data: list[Any], at: ValuePath, indent: int, lines: list[str], merged: MergedValues) -> None:
    pad = " " * indent
    for i, value in enumerate(data):
        path = at + (i,)
        if isinstance(value, dict) and value:
            start = len(lines)
            _emit_map(value, path, indent + _INDENT, lines, merged)
            lines[start] = f"{pad}- " + lines[start][indent + _INDENT :]
        elif isinstance(value, list) and value:
            lines.append(f"{pad}-")
            _emit_list(value, path, indent + _INDENT, lines, merged)
        else:
            lines.append(f"{pad}- {_scalar(value)}{_comment(merged, path)}")


def _scalar(value: Any) -> str:
    """One-line YAML for a scalar or an empty map/list, plain when YAML allows it."""
    text = yaml.dump(value, Dumper=SafeDumper, default_flow_style=True,
                     allow_unicode=True, width=10**9)
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    text = text.rstrip("\n")
    if "\n" in text:
        return quote_string(value) if isinstance(value, str) else text.replace("\n", " ")
    return text


def _comment(merged: MergedValues, path: ValuePath) -> str:
    origin = merged.origins.get(path)
    if origin is None:
        return ""
    return f"  # {origin}"
