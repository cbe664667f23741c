"""How a YAML file's bytes become text, as Kustomize (go-yaml) reads them.

go-yaml looks at the first bytes: a UTF-16 byte-order mark (FF FE little-endian, FE FF
big-endian) means UTF-16, and the mark itself is not part of the text; anything else is
UTF-8 (a UTF-8 mark is left for the YAML reader, which skips it as go-yaml does). UTF-16
without a mark is not recognised (Kustomize fails on it too).

kyaml splits a file into documents on the raw bytes (a `---` line in UTF-8), which never
occur in UTF-16, so a UTF-16 file is one chunk, of which go-yaml decodes only the first
document: later documents are ignored, even invalid ones. decode() does the same.
"""

from __future__ import annotations

import re

_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
NOT_TEXT = "is not valid UTF-8 text (nor UTF-16 with a byte-order mark)"


def decode(raw: bytes) -> str:
    """The text of a YAML file; raises UnicodeDecodeError when it is not UTF-8 or
    UTF-16 with a byte-order mark."""
    codec = _UTF16.get(raw[:2])
    if codec is not None:
        return first_document(raw[2:].decode(codec))
    return raw.decode("utf-8")


# A document marker: `---` or `...` at the start of a line, alone or followed by a space.
_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t]|\r?$)", re.M)
_PREAMBLE = re.compile(r"(?:[ \t]*(?:#.*)?\r?\n|%.*\r?\n)*---(?=[ \t\r\n]|$)")


def first_document(text: str) -> str:
    """`text` up to the end of its first YAML document (what go-yaml decodes first)."""
    start = 0
    head = _PREAMBLE.match(text)
    if head is not None:
        start = head.end()
    end = _MARKER.search(text, start)
    return text if end is None else text[:end.start()]


def read(path: str) -> str:
    """decode() of the file at `path` (OSError and UnicodeDecodeError pass through)."""
    with open(path, "rb") as fh:
        return decode(fh.read())
