"""Redaction that follows the value, not the field: the one place that decides what of a
resource may be printed (diff in every format, explain).

A Secret's values are hidden where they stand (`data`, `stringData`), and so is its
`kubectl.kubernetes.io/last-applied-configuration` annotation, which holds them again
(Argo CD hides it the same way). But a value also travels: a template or a replacement
copies it into a ConfigMap, an env var, an annotation, a URL. So every string printed
from any resource is compared with every Secret value of the same render, decoded and
base64: a string equal to one is replaced by `<redacted>`, and a value long enough not to
occur by chance (MIN_EMBEDDED characters) is cut out of longer strings too.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Iterable

REDACTED = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# A Secret value at least this long is also redacted inside longer strings ("--password=
# <value>", a URL, a JSON blob); shorter ones only where a whole string equals them, so
# that a value like "true" or "8080" does not shred unrelated text.
MIN_EMBEDDED = 6
_SECRET_FIELDS = ("data", "stringData")


def _is_secret(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("kind") == "Secret"


def _variants(value: Any, encoded: bool) -> set[str]:
    """The forms a Secret value can be printed in: as written, decoded (data) or encoded
    (stringData), each also without a final newline."""
    if value is None or isinstance(value, (dict, list)):
        return set()
    text = value if isinstance(value, str) else str(value)
    out = {text}
    if encoded:
        try:
            raw = base64.b64decode("".join(text.split()), validate=True)
            out.add(raw.decode("utf-8"))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            pass
    else:
        out.add(base64.b64encode(text.encode("utf-8")).decode("ascii"))
    out |= {v.rstrip("\n") for v in out}
    return {v for v in out if v and v.strip()}


def secret_values(objects: Iterable[Any]) -> set[str]:
    """Every form of every value of every Secret among `objects`."""
    values: set[str] = set()
    for obj in objects:
        if not _is_secret(obj):
            continue
        for key in _SECRET_FIELDS:
            section = obj.get(key)
            if isinstance(section, dict):
                for v in section.values():
                    values |= _variants(v, encoded=key == "data")
    return values


class Redactor:
    """Knows the Secret values of one diff or explanation and hides them wherever they
    appear. Build it from every object that may be printed (both sides of a diff)."""

    def __init__(self, values: Iterable[str] = ()):
        self.values = frozenset(values)
        long_ = sorted((v for v in self.values if len(v) >= MIN_EMBEDDED), key=len, reverse=True)
        self._embedded = re.compile("|".join(map(re.escape, long_))) if long_ else None

    @classmethod
    def of(cls, *groups: Iterable[Any]) -> "Redactor":
        objects = [o for group in groups for o in group if o is not None]
        return cls(secret_values(objects))

    def text(self, value: str) -> str:
        if value in self.values:
            return REDACTED
        if self._embedded is not None and len(value) >= MIN_EMBEDDED:
            return self._embedded.sub(REDACTED, value)
        return value

    def value(self, node: Any) -> Any:
        """`node` with every Secret value hidden, wherever it stands (a copy where
        anything changes)."""
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, dict):
            return {self.value(k) if isinstance(k, str) else k: self.value(v)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if node is not None and not isinstance(node, (bool, int, float)):
            return self.text(str(node)) if str(node) in self.values else node
        return node

    def object(self, obj: Any) -> Any:
        """A printable copy of a resource: a Secret's data and stringData values and its
        last-applied-configuration annotation hidden, then every Secret value anywhere."""
        if _is_secret(obj):
            obj = dict(obj)
            for key in _SECRET_FIELDS:
                if isinstance(obj.get(key), dict):
                    obj[key] = {k: REDACTED for k in obj[key]}
            md = obj.get("metadata")
            if isinstance(md, dict) and isinstance(md.get("annotations"), dict) \
                    and LAST_APPLIED in md["annotations"]:
                obj["metadata"] = {**md, "annotations": {**md["annotations"],
                                                         LAST_APPLIED: REDACTED}}
        return self.value(obj)

    def at(self, kind: str, steps: list[Any], value: Any) -> Any:
        """What may be printed of the field at `steps` of a resource of `kind` holding
        `value` (explain, diff's field changes): the value is put back in place, redacted
        as part of a resource of that kind, and taken out again."""
        if not steps:
            return self.object(value)
        wrapped: Any = value
        for step in reversed(steps):
            wrapped = {step: wrapped}
        shown = self.object({**wrapped, "kind": kind} if steps[0] != "kind" else wrapped)
        for step in steps:
            shown = shown[step] if isinstance(shown, dict) and step in shown else REDACTED
        return shown
