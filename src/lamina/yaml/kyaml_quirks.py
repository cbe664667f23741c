"""Where Kustomize's reading differs from a plain YAML parser because of go-yaml itself.

Kustomize does not hand parsed values straight on: kyaml re-encodes every resource with
go-yaml v3 and decodes that text again (RNode.MarshalJSON). So a value comes out as
go-yaml v3's encoder *and* parser leave it, bugs included. The reader asks this module
to apply the two that change data:

* The folded-scalar emitter decides whether to write an extra line break by looking at
  the first character of the whole value instead of the current line (`k := 0` in
  yaml_emitter_write_folded_scalar). A folded (`>`) value with a more-indented line, or
  with kept trailing newlines (`>+`), therefore gains a newline when read back.
* go-yaml v3 knows no `\\/` escape in double-quoted scalars (libyaml does) and fails.
"""

from __future__ import annotations

import base64
import binascii
import re

import yaml

# What makes go-yaml v3 write "..." rather than a block: a character it cannot print
# (tabs are fine), or a space before a line break. Kept as text for `re.search`, which
# compiles it on first use: compiling this class costs every start about 1.5 ms, and only
# folded scalars need it.
_NOT_BLOCK = (
    "[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    "| [\n\u2028\u2029]"
)
_BREAKS = "\n\r\x85\u2028\u2029"


def fold_like_kyaml(value: str) -> str:
    """The value of a folded (`>`) scalar after go-yaml v3 has written and re-read it."""
    first = len(value) - len(value.lstrip(_BREAKS))
    if first == len(value) or value[first] in " \t" or "\n" not in value:
        return value  # the faulty test never fires
    if re.search(_NOT_BLOCK, value) or value.endswith(" "):
        return value  # go-yaml would write "..." instead of a block: nothing is lost
    return _reread(_emit_folded(value))


def _emit_folded(value: str) -> str:
    """go-yaml v3's folded block for `value` as `k: >...`, line width aside (its wrapping
    at spaces reads back unchanged, so it is left out)."""
    parts = ["k: >"]
    if value[0] in " " + _BREAKS:
        parts.append("2")
    if value[-1] not in _BREAKS:
        parts.append("-")
    elif len(value) == 1 or value[-2] in _BREAKS:
        parts.append("+")
    # The header line is ended at once (as libyaml does; measured with kubectl), so a
    # value that starts with a line break keeps it as an empty first line.
    parts.append("\n")
    at_line_start = True
    breaks = True
    leading_spaces = True
    for ch in value:
        if ch in _BREAKS:
            if not breaks and not leading_spaces and ch == "\n":
                parts.append("\n")  # the extra break; see the module docstring
            parts.append("\n" if ch == "\n" else ch)
            at_line_start = True
            breaks = True
        else:
            if breaks:
                if not at_line_start:
                    parts.append("\n")
                parts.append("  ")
                leading_spaces = ch in " \t"
            parts.append(ch)
            at_line_start = False
            breaks = False
    text = "".join(parts)
    return text if text.endswith("\n") else text + "\n"


def _reread(text: str) -> str:
    return yaml.load(text, Loader=yaml.CSafeLoader)["k"]


def has_slash_escape(raw: str) -> bool:
    """True when a double-quoted scalar's source text uses the `\\/` escape."""
    i = raw.find("\\")
    while i != -1:
        if raw[i + 1:i + 2] == "/":
            return True
        i = raw.find("\\", i + 2)
    return False


def decode_binary(text: str) -> str | None:
    """A `!!binary` value as go-yaml v3 decodes it into a string, or None if invalid.

    Go's base64 decoder skips line breaks; bytes that are not UTF-8 become U+FFFD when
    Kustomize writes the resulting JSON string.
    """
    try:
        data = base64.b64decode(text.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data.decode("utf-8", errors="replace")
