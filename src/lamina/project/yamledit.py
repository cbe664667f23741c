"""Editing YAML text in place: change one scalar or add one key, keeping every comment,
blank line and key order of the file. Used by `lamina promote`, whose edits must be small,
reviewable diffs of the user's own files.

A path is a list of steps: a string steps into a mapping key; a (field, value) pair steps
into the item of a sequence whose `field` equals `value` (e.g. ("name", "nginx")).
"""

from __future__ import annotations

from typing import Any, Union

import yaml

from lamina.errors import LaminaError, SourceRef

Step = Union[str, tuple[str, str]]


class EditError(LaminaError):
    """The file cannot be edited in place (flow style, a scalar where a map is needed...)."""


def _dump(value: Any) -> str:
    from lamina.yaml import dump
    return dump(value)


def _scalar_text(value: Any) -> str:
    text = _dump(value).rstrip("\n")
    if "\n" in text:
        raise EditError(f"cannot write multi-line value {value!r} in place")
    return text


def _compose(text: str, path: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise EditError(f"invalid YAML: {exc.problem}; fix the file, then run the command again",
                        SourceRef(path, mark.line + 1 if mark else None)) from None


def _find_key(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _find_item(node: yaml.SequenceNode, field: str, value: str) -> yaml.Node | None:
    for item in node.value:
        if isinstance(item, yaml.MappingNode):
            v = _find_key(item, field)
            if isinstance(v, yaml.ScalarNode) and v.value == value:
                return item
    return None


def _after_line_of(text: str, index: int) -> int:
    """Index just past the end of the line holding text[index - 1]."""
    if index <= 0:
        return 0
    nl = text.find("\n", index - 1)
    return len(text) if nl == -1 else nl + 1


def _append_lines(text: str, at: int, lines: list[str]) -> str:
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return text[:at] + prefix + "".join(line + "\n" for line in lines) + text[at:]


def _block(value: Any, indent: int) -> list[str]:
    return [" " * indent + line for line in _dump(value).rstrip("\n").split("\n")]


def _new_entry(key: str, rest: list[Step], value: Any) -> Any:
    """The structure to insert for a missing `key` followed by the remaining steps."""
    nested: Any = value
    for step in reversed(rest):
        if isinstance(step, tuple):
            field, match = step
            nested = [{field: match, **nested}] if isinstance(nested, dict) else [{field: match}]
        else:
            nested = {step: nested}
    return {key: nested}


def set_path(text: str, steps: list[Step], value: Any, path: str) -> str:
    """Set the scalar at `steps`, creating what is missing at the end of its parent."""
    root = _compose(text, path)
    if root is None:
        return text + ("" if not text or text.endswith("\n") else "\n") + \
            _dump(_new_entry(steps[0], steps[1:], value)) if isinstance(steps[0], str) else text
    node = root
    for i, step in enumerate(steps):
        where = SourceRef(path, node.start_mark.line + 1)
        if isinstance(step, tuple):
            if not isinstance(node, yaml.SequenceNode) or node.flow_style:
                raise EditError("expected a block-style list here", where)
            child = _find_item(node, *step)
            if child is None:
                field, match = step
                entry = _new_entry("\0", steps[i + 1:], value)["\0"]
                entry = {field: match, **(entry if isinstance(entry, dict) else {})}
                dash = node.value[0].start_mark.column - 2 if node.value else node.start_mark.column
                lines = _block([entry], max(dash, 0))
                return _append_lines(text, _after_line_of(text, node.end_mark.index), lines)
        else:
            if not isinstance(node, yaml.MappingNode) or node.flow_style:
                raise EditError(f"expected a block-style mapping to hold '{step}'", where)
            child = _find_key(node, step)
            if child is None:
                entry = _new_entry(step, steps[i + 1:], value)
                indent = node.value[0][0].start_mark.column if node.value else 0
                return _append_lines(text, _after_line_of(text, node.end_mark.index),
                                     _block(entry, indent))
        node = child
    if not isinstance(node, yaml.ScalarNode):
        raise EditError(f"'{'.'.join(str(s) for s in steps)}' holds a {node.id}, not a value",  # type: ignore[attr-defined]
                        SourceRef(path, node.start_mark.line + 1))
    return text[:node.start_mark.index] + _scalar_text(value) + text[node.end_mark.index:]
