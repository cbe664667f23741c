"""ObjectRef: which rendered object a message, a finding or a diff line is about.

The one identity above the build: checks name the objects they report on with it, diff pairs
the two sides' objects by it, and explain labels a field's history with it. It is read from a
plain manifest (API group, kind, namespace, name, each '' when absent), unlike ResId
(model/resid.py), which is the build's own identity with Kustomize's namespace rules.
Its renderings are the texts users already see, so messages and output stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True, order=True, slots=True)
class ObjectRef:
    """An object's group, kind, namespace and name; ordered in that order."""

    group: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> "ObjectRef":
        """The reference of a manifest (a missing or malformed field reads as '')."""
        found = obj.get("metadata")
        md: Mapping[str, Any] = found if isinstance(found, dict) else {}
        return cls(str(obj.get("apiVersion") or "").rpartition("/")[0], str(obj.get("kind") or ""),
                   str(md.get("namespace") or ""), str(md.get("name") or ""))

    def __str__(self) -> str:
        """`Kind/namespace/name`, or `Kind/name` without a namespace (how checks name it)."""
        return (f"{self.kind}/{self.namespace}/{self.name}" if self.namespace
                else f"{self.kind}/{self.name}")

    def qualified(self) -> str:
        """`Kind.group/namespace/name`, the group kept (how diff names it: two kinds of one
        name in different groups stay apart)."""
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind}/{self.namespace}/{self.name}" if self.namespace else f"{kind}/{self.name}"

    def kind_name(self) -> str:
        """`Kind/name` (how explain labels an object within one environment's build)."""
        return f"{self.kind}/{self.name}"
