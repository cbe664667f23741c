"""Where an inline patch (`patch: |-`, a `patchesStrategicMerge:` string, a
`patchesJson6902:` `patch:`) writes a field: lines inside the kustomization.yaml itself.

An inline patch reaches the build as text; its documents are composed again here, only
when a message needs them, and their node positions are moved to the kustomization's
lines: a literal block (`|`, `|-`) keeps its lines, so line `i` of the text is line
`start + 1 + i` of the file, shifted right by the block's indentation. Any other style
(a quoted or flow JSON string, a folded block) cannot be mapped line by line; every field
it writes is placed at the scalar's own position.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

import yaml

from lamina.yaml.positions import Document, documents, file_entry

_LOCK = threading.Lock()
_MAX = 512
_CACHE: "OrderedDict[tuple[str, int, int, str], InlineText | None]" = OrderedDict()


@dataclass(frozen=True)
class InlineText:
    """The documents of an inline patch and where its text sits in the kustomization."""

    docs: list[Document]
    line: int           # 0-based file line of the text's first line
    column: int         # 0-based column of the text's first column (the block's indentation)
    flat: bool          # not a literal block: every position is (line, column) itself

    def place(self, line: int, column: int) -> tuple[int, int]:
        """1-based (line, column) in the kustomization of 0-based (line, column) in the text."""
        if self.flat:
            return self.line + 1, self.column + 1
        return self.line + line + 1, self.column + column + 1


def inline_text(path: str, text: str) -> InlineText | None:
    """The inline patch `text` as written in the kustomization at `path` (the scalar whose
    value is `text`, leading and trailing blanks aside); None when no scalar holds it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime_ns, st.st_size, text)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    made = _find(path, text)
    with _LOCK:
        _CACHE[key] = made
        while len(_CACHE) > _MAX:
            _CACHE.popitem(last=False)
    return made


def _find(path: str, text: str) -> InlineText | None:
    entry = file_entry(path)
    if entry is None or not entry[0]:
        return None
    doc = entry[0][0]
    wanted = text.strip()
    scalar = next((n for n in _scalars(doc.node)
                   if isinstance(n.value, str) and n.value.strip() == wanted), None)
    if scalar is None:
        return None
    line, column = doc.offset + scalar.start_mark.line, scalar.start_mark.column
    if scalar.style != "|":
        return InlineText(documents(scalar.value), line, column, True)
    first = line + 1            # a literal block's text starts on the line after its `|`
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().replace("\r\n", "\n").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    indent = 0
    for i, own in enumerate(scalar.value.split("\n")):
        if own.strip() and first + i < len(lines):
            raw = lines[first + i]
            indent = (len(raw) - len(raw.lstrip(" "))) - (len(own) - len(own.lstrip(" ")))
            break
    return InlineText(documents(scalar.value), first, max(indent, 0), False)


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    """Every scalar value (not mapping keys) under `node`, in document order."""
    out: list[yaml.ScalarNode] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.ScalarNode):
            out.append(n)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(v for _k, v in reversed(n.value))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
    return out
