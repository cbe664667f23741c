"""Map keys that Kustomize writes unquoted and then cannot read back as strings.

When kyaml creates a map entry itself (generator data, binaryData, labels and
annotations, and the maps a merge or replace rewrites), the key node carries no tag, so
it is written plain. Kustomize then re-reads its own output with go-yaml v3; a key such
as `true`, `1`, `null`, `1.5`, `2001-12-14` or `<<` comes back as a non-string, and
Go's JSON encoder refuses the map. kubectl fails the build there; lamina fails it here.
"""

from __future__ import annotations

from typing import Any, Mapping

from lamina.errors import ResourceError
from lamina.yaml.scalars import resolve_v3


def reads_back_as_string(key: str) -> bool:
    if key == "<<":
        return False
    value = resolve_v3(key)
    return isinstance(value, str) and value == key


def refuse_unreadable_keys(values: Mapping[str, Any] | None, where: str) -> None:
    """Raise for the first key of `values` that Kustomize could not read back."""
    for key in values or {}:
        if not reads_back_as_string(key):
            raise ResourceError(
                f"{where}: key {key!r} cannot be written: Kustomize writes the keys it "
                f"creates without quotes and reads {key} back as a non-string (json: "
                "unsupported type: map[interface {}]interface {})")
