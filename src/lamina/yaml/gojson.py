"""How Go's JSON decoder names a value's type in its errors ("cannot unmarshal number into
... of type string"); Kustomize's strict decoding of kustomizations produces these."""

from __future__ import annotations

from typing import Any


def json_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
