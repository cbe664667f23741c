"""Entries Kustomize writes itself and then cannot read back, so kubectl fails the build.

When kyaml creates a map entry (generator data, binaryData, labels and annotations, and
the maps a merge or replace rewrites), Kustomize serialises it and parses it again:

- the key node has no tag, so it is written plain; a key such as `true`, `1`, `null`,
  `1.5`, `2001-12-14` or `<<` comes back as a non-string and Go's JSON encoder refuses
  the map;
- a data value containing a newline is forced into a literal block; when it starts with
  a tab, the block has no indentation indicator and the parser stops at the tab;
- DEL, the C1 controls other than NEL, U+FFFE and U+FFFF are written raw and refused by
  the parser ("control characters are not allowed"); in a key, NEL breaks the line too.

lamina raises at the point where Kustomize creates the entry.
"""

from __future__ import annotations

from typing import Any, Mapping

from lamina.errors import ResourceError
from lamina.yaml.scalars import resolve_v3

_BREAKS = "\n\r\x85\u2028\u2029"


def _is_raw_control(ch: str) -> bool:
    code = ord(ch)
    return code == 0x7F or (0x80 <= code <= 0x9F and code != 0x85) or code in (0xFFFE, 0xFFFF)


def _first_raw_control(text: str, in_key: bool) -> str | None:
    for ch in text:
        if _is_raw_control(ch) or (in_key and ch == "\x85"):
            return ch
    return None


def reads_back_as_string(key: str) -> bool:
    if key == "<<":
        return False
    value = resolve_v3(key)
    return isinstance(value, str) and value == key


def _printable_in_block(ch: str) -> bool:
    """go-yaml v3's printable set, plus the tab it lets into block scalars."""
    code = ord(ch)
    return (ch in "\t\n" or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF))


def literal_block_breaks(value: str) -> bool:
    """True when a value forced into a literal block would not parse again."""
    if "\n" not in value or not value.startswith("\t"):
        return False
    if value.endswith(" ") or not all(_printable_in_block(ch) for ch in value):
        return False   # the emitter falls back to a double-quoted string
    return not any(value[i] == " " and value[i + 1] in _BREAKS for i in range(len(value) - 1))


def refuse_unreadable_keys(values: Mapping[str, Any] | None, where: str) -> None:
    """Raise for the first key of `values` that Kustomize could not read back."""
    for key, value in (values or {}).items():
        bad = _first_raw_control(key, in_key=True)
        if bad is None and isinstance(value, str):
            bad = _first_raw_control(value, in_key=False)
        if bad is not None:
            raise ResourceError(
                f"{where}: {key!r} holds the character U+{ord(bad):04X}, which Kustomize "
                "writes raw and cannot read back (yaml: control characters are not allowed)")
        if not reads_back_as_string(key):
            raise ResourceError(
                f"{where}: key {key!r} cannot be written: Kustomize writes the keys it "
                f"creates without quotes and reads {key} back as a non-string (json: "
                "unsupported type: map[interface {}]interface {})")


def refuse_unreadable_data(values: Mapping[str, Any] | None, where: str) -> None:
    """Keys as above, and values that would become an unparsable literal block."""
    refuse_unreadable_keys(values, where)
    for key, value in (values or {}).items():
        if isinstance(value, str) and literal_block_breaks(value):
            raise ResourceError(
                f"{where}: the value of {key!r} starts with a tab and spans lines; Kustomize "
                "writes it as a literal block it cannot parse again (yaml: found a tab "
                "character where an indentation space is expected)")


def refuse_unmarshalable_config(config: Any, kind: str) -> None:
    """Kustomize re-marshals each generator entry to YAML to configure its plugin; a raw
    control character anywhere in it (a literal, a name, a label) stops the build."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and _first_raw_control(item, in_key=False) is not None:
            raise ResourceError(
                f"builtin {kind} marshal: yaml: control characters are not allowed "
                f"(in {item!r})")
