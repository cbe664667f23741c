"""A policy document as lamina read it, and what an engine reports about an object."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lamina.errors import LaminaError, SourceRef

ERROR, WARNING = "error", "warning"


class PolicyError(LaminaError):
    """A policy that cannot be evaluated: malformed, or using a feature lamina lacks."""


class MissingEngine(PolicyError):
    """The library an engine needs is not installed (`pip install 'lamina[policy]'`)."""


@dataclass(frozen=True)
class PolicyDoc:
    """One policy-related object (a policy, a binding, a template, a constraint, a param)."""

    data: dict[str, Any]
    source: SourceRef | None = None
    origin: str = "config"          # config | rendered

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def api_group(self) -> str:
        return str(self.data.get("apiVersion") or "").rpartition("/")[0]

    @property
    def name(self) -> str:
        md = self.data.get("metadata")
        return str(md.get("name") or "") if isinstance(md, dict) else ""

    @property
    def ident(self) -> str:
        return f"{self.kind}/{self.name}"

    def where(self) -> str:
        return str(self.source) if self.source is not None else self.ident

    def digest(self) -> str:
        """What compiled forms are cached by: the content, not the file it came from."""
        text = json.dumps(self.data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Violation:
    """One policy rule an object breaks (or could not be checked against)."""

    policy: str                     # Kind/name of the policy
    rule: str                       # the rule, validation or constraint that failed
    message: str
    level: str = ERROR              # error (deny/enforce) | warning (warn/audit/dryrun)
    obj: Any = None                 # the checks' Obj, None for a finding about the policy
    related: tuple[str, ...] = field(default_factory=tuple)
    at: tuple[Any, ...] = ()        # the field the rule failed at (yaml/positions.py steps)


def _results() -> Any:
    from lamina.policies.results import Results
    return Results()


def get_path(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


@dataclass
class Env:
    """One environment as the engines see it: its rendered objects (the checks' Obj), its
    namespaces, and the objects a policy may take parameters from."""

    name: str
    objects: tuple[Any, ...]
    namespaces: Any                              # match.Namespaces
    params: tuple[Any, ...] = ()                 # rendered objects + policy files' other objects
    # Results remembered by content (results.Results; default: in this process only).
    results: Any = field(default_factory=lambda: _results())

    def request(self, obj: Any) -> dict[str, Any]:
        """The admission request lamina stands in for: creating the object."""
        from lamina.policies.match import OPERATION, namespace_of, plural, version_of
        return {
            "operation": OPERATION, "name": obj.name, "namespace": namespace_of(obj),
            "kind": {"group": obj.group, "version": version_of(obj), "kind": obj.kind},
            "resource": {"group": obj.group, "version": version_of(obj), "resource": plural(obj.kind)},
            "requestKind": {"group": obj.group, "version": version_of(obj), "kind": obj.kind},
            "userInfo": {"username": "lamina", "groups": ["system:authenticated"]},
            "dryRun": False, "options": None, "subResource": "",
        }
