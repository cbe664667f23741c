"""Where a replacement writes a field: the `fieldPaths` item of the replacement target that
wrote it, in the kustomization (or the `path:` file) that holds the replacement.

The replacement transformer records on each resource it writes (patch_positions.PatchRef
with `field` set) the target's field path, split as Kustomize splits it (`spec`,
`[name=web]`, `0`, `*`), and the node path of the `fieldPaths` item in its file. A message
about a field asks `writes(parts, path, data)`: whether those parts reach the field (or a
parent of it, whose whole value the replacement copied). That test reads no file, so only a
replacement that did write the field costs a parse of its file.
"""

from __future__ import annotations

import re
from typing import Any


def writes(parts: tuple[str, ...], path: tuple[Any, ...], data: Any) -> bool:
    """Whether a replacement whose target field path is `parts` wrote `path` of the
    rendered object `data`: every part matches its step of `path` (a key; a list index,
    `*`, `-` or a `[key=regex]` selector for the item at that step)."""
    if not parts or len(parts) > len(path):
        return False
    node = data
    for part, step in zip(parts, path):
        if isinstance(node, list):
            index = _index(node, step)
            if index is None:
                return False
            item = node[index]
            if part.startswith("[") and part.endswith("]") and "=" in part:
                key, _, pattern = part[1:-1].partition("=")
                value = item if not key else item.get(key) if isinstance(item, dict) else None
                if value is None or not _search(pattern, _text(value)):
                    return False
                if not key:         # a primitive selector writes the item itself
                    return True
            elif part not in ("*", "-") and part != str(index):
                return False
            node = item
        elif isinstance(node, dict) and isinstance(step, str):
            if part != step:
                return False
            node = node.get(step)
        else:
            return False
    return True


def _index(items: list[Any], step: Any) -> int | None:
    """The index in `items` that a path step names (an int, or a `(key, value)` pair)."""
    if isinstance(step, int):
        return step if 0 <= step < len(items) else None
    if isinstance(step, tuple) and len(step) == 2:
        return next((i for i, item in enumerate(items) if isinstance(item, dict)
                     and str(item.get(step[0])) == step[1]), None)
    return None


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value).strip()


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False
