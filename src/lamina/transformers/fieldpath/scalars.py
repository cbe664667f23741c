"""Scalars as go-yaml holds them (text, tag, style), and the node kinds of plain values.

kyaml compares and copies a scalar's text (`true`, `8080`) rather than its value, and a
scalar it creates has no tag until the object is written; `Scalar` carries that state
through a transformer, and `finalize` turns it into plain values at the end.
"""

from __future__ import annotations

from typing import Any

from lamina.transformers.fieldpath.syntax import FieldPathError
from lamina.yaml.scalars import resolve_v3


class Scalar:
    """A scalar as go-yaml holds it: its text, its tag ('' when it has none) and its style.

    Two kinds of scalar need this instead of a plain Python value:
    - scalars kyaml creates (a new leaf, a new list element) have no tag; text copied into
      them keeps them untagged, and the final text is read as an unquoted scalar when the
      object is written, so "42" becomes the integer 42;
    - scalars inside an embedded YAML document keep their quoting when it is written back.
    `finalize` turns them into plain values once a transformer is done.
    """

    __slots__ = ("text", "tag", "style")

    def __init__(self, text: str = "", tag: str = "", style: str | None = None):
        self.text = text
        self.tag = tag
        self.style = style

    def with_text(self, text: str) -> "Scalar":
        return Scalar(text, self.tag, self.style)

    def value(self) -> Any:
        if not self.tag:
            return resolve_plain(self.text)
        return decode(self.tag, self.text)

    def __repr__(self) -> str:
        return f"Scalar({self.text!r}, {self.tag!r})"


def short_tag(value: Any) -> str:
    """go-yaml's tag for a plain value, without the `!!`; a Scalar has its own."""
    if isinstance(value, Scalar):
        return value.tag
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if value is None:
        return "null"
    return "str"


def decode(tag: str, text: str) -> Any:
    """Read `text` as a scalar tagged `tag`, failing as go-yaml does on a mismatch."""
    if tag == "str":
        return text
    resolved = resolve_plain(text)
    got = short_tag(resolved)
    if got == tag:
        return resolved
    if tag == "float" and got == "int":
        return float(resolved)
    raise FieldPathError(f"cannot decode !!{got} `{text}` as a !!{tag}")


def finalize(node: Any) -> Any:
    """Replace every Scalar in `node` by the plain value it stands for."""
    if isinstance(node, Scalar):
        return node.value()
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list, Scalar)):
                node[k] = finalize(v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list, Scalar)):
                node[i] = finalize(v)
    return node


# Which kind of node to create for a missing path part; mirrors yaml.Kind.
MAP, SEQ, SCALAR = "map", "seq", "scalar"


def scalar_text(value: Any) -> str:
    """The text go-yaml keeps for a scalar; collections have none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Scalar):
        return value.text
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return MAP
    if isinstance(value, list):
        return SEQ
    return SCALAR


def resolve_plain(text: str) -> Any:
    """What go-yaml makes of `text` as an unquoted scalar (int, float, bool, None or str)."""
    return resolve_v3(text)


def kind_name(value: Any) -> str:
    return {MAP: "MappingNode", SEQ: "SequenceNode", SCALAR: "ScalarNode"}[kind_of(value)]


def wrong_kind(expected: str, value: Any) -> FieldPathError:
    return FieldPathError(f"wrong node kind: expected {expected} but got {kind_name(value)}")
