"""Finding the part of a values schema that describes one values path.

Used for the merge key of a list and for defaults. Follows ``properties``,
``patternProperties``, ``additionalProperties``, ``items`` and local ``$ref``s
(``#/$defs/...``); ``allOf``/``anyOf``/``oneOf`` are not searched, so a merge key or a
default declared only inside them is not seen.
"""

from __future__ import annotations

import re
from typing import Any

from lamina.templates.paths import ValuePath

# The JSON Schema keyword that makes a list of maps merge item by item, matched on this key.
MERGE_KEY = "x-lamina-merge-key"

_MAX_REF_HOPS = 32


def subschema(schema: dict[str, Any] | None, path: ValuePath) -> dict[str, Any] | None:
    """The schema for ``path``, or None when the schema does not describe it."""
    if schema is None:
        return None
    node = resolve_ref(schema, schema)
    for part in path:
        if node is None:
            return None
        node = resolve_ref(schema, child_schema(node, part))
    return node


def resolve_ref(root: dict[str, Any], node: Any) -> dict[str, Any] | None:
    """Follow local ``$ref``s; a remote or broken reference describes nothing."""
    for _ in range(_MAX_REF_HOPS):
        if not isinstance(node, dict):
            return None
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node
        if not ref.startswith("#"):
            return None
        node = _pointer(root, ref[1:])
    return None


def child_schema(node: dict[str, Any], part: str | int) -> Any:
    """The raw (unresolved) schema one step below ``node`` for a key or list index."""
    if isinstance(part, int):
        return node.get("items")
    properties = node.get("properties")
    if isinstance(properties, dict) and part in properties:
        return properties[part]
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict):
        for pattern, sub in patterns.items():
            if re.search(pattern, part):
                return sub
    return node.get("additionalProperties")


def _pointer(root: Any, pointer: str) -> Any:
    node = root
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node
