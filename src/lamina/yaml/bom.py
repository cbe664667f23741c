"""Strings that start with a byte-order mark, printed as go-yaml v2 prints them.

go-yaml v2 tests for a BOM at the start of the whole value rather than at each character,
so such a string comes out with every character escaped (`escape_all`). libyaml cannot be
told to do that: the node tree holds a stand-in as wide as go-yaml's spelling
(`bom_stand_in`), and the printed text gets the real spelling substituted afterwards
(`put_bom_strings`); should a stand-in's text also occur elsewhere, distinct placeholders
(`bom_placeholder`) are printed instead.
"""

from __future__ import annotations


_SHORT_ESCAPES = {
    0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
    0x0D: "r", 0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_",
    0x2028: "L", 0x2029: "P",
}


def escape_all(s: str) -> str:
    """`s` as a double-quoted scalar with every character escaped, as go-yaml v2 does."""
    parts = ['"']
    for ch in s:
        code = ord(ch)
        short = _SHORT_ESCAPES.get(code)
        if short is not None:
            parts.append("\\" + short)
        elif code <= 0xFF:
            parts.append(f"\\x{code:02X}")
        elif code <= 0xFFFF:
            parts.append(f"\\u{code:04X}")
        else:
            parts.append(f"\\U{code:08X}")
    parts.append('"')
    return "".join(parts)


def bom_stand_in(s: str) -> str:
    """A string libyaml prints exactly as wide as go-yaml prints the BOM-led `s`.

    go-yaml escapes every character of `s` (`escape_all`); libyaml escapes only those it
    must. The stand-in keeps the characters libyaml escapes the same way (the BOM, line
    breaks, controls, quotes, backslashes, characters beyond the BMP) and replaces each
    other one by characters libyaml escapes to the same width: the stand-in takes the same
    columns (so a value after a BOM-led key folds where go-yaml folds it), has the same
    line breaks (which make a key complex, `? `), and as many UTF-8 bytes (libyaml's
    128-byte limit on simple keys) except one fewer per U+00A0.
    """
    parts = []
    for ch in s:
        code = ord(ch)
        if code < 0x80:
            parts.append("\x01" if 0x20 <= code <= 0x7E and ch != '"' and ch != "\\" else ch)
        elif code < 0xA0:
            parts.append(ch)          # NEL (`\N`); the other C1 controls are refused
        elif code == 0xA0:
            parts.append("\t")        # `\_` -> `\t`
        elif code <= 0xFF:
            parts.append("\x80")      # `\xE9` -> `\x80`
        elif code <= 0x7FF:
            parts.append("\x01\t")    # `\u0101` -> `\x01\t`
        elif code <= 0xFFFF and ch not in "\ufeff\u2028\u2029":
            parts.append("\ufffe")    # `\u65E5` -> `\uFFFE`
        else:
            parts.append(ch)
    return "".join(parts)


def put_bom_strings(text: str, bom_strings: list[str]) -> str | None:
    """`text` with each BOM-led string's stand-in replaced by go-yaml's spelling of it,
    or None when a stand-in's text also occurs where no stand-in was printed."""
    stand_ins = [escape_all(bom_stand_in(s)) for s in bom_strings]    # as libyaml prints them
    for stand_in in set(stand_ins):
        if text.count(stand_in) != stand_ins.count(stand_in):
            return None
    parts = []
    pos = 0
    for value, stand_in in zip(bom_strings, stand_ins):
        at = text.find(stand_in, pos)
        if at < 0:
            return None
        parts.append(text[pos:at])
        parts.append(escape_all(value))
        pos = at + len(stand_in)
    parts.append(text[pos:])
    return "".join(parts)


def bom_placeholder(index: int, escaped: bool = False) -> str:
    # A private-use plane character makes a clash with real text practically impossible;
    # `escaped` gives the form in which libyaml writes it.
    if escaped:
        return f"\\uFEFF\\U0010FFFD{index}\\uFEFF"
    return f"\ufeff\U0010fffd{index}\ufeff"
