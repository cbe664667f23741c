"""Kustomize's target selector: which resources a patch (or replacement) applies to.

A selector names any of group, version, kind, name and namespace, each an anchored
regular expression (Kustomize wraps them in ``^(?:...)$``), plus label and annotation
selectors written in Kubernetes' label-selector syntax. Name and namespace match when
either the resource's original or its current value matches, so a patch written against
the base name still finds a resource after a prefix was added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, TypeGuard

from lamina.errors import KustomizationError
from lamina.model.resource import Resource

_SELECTOR_FIELDS = ("group", "version", "kind", "name", "namespace",
                    "labelSelector", "annotationSelector")

# ---------------------------------------------------------------------------
# Kubernetes label-selector expressions (k8s.io/apimachinery/pkg/labels).
# ---------------------------------------------------------------------------

_SPECIAL = "=!(),<>"
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@dataclass(frozen=True)
class Requirement:
    """One clause of a label selector, e.g. ``tier in (web,api)``."""

    key: str
    op: str            # one of: exists, !, =, ==, !=, in, notin, gt, lt
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, Any]) -> bool:
        present = self.key in labels
        value = _label_text(labels.get(self.key))
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "==", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        # gt / lt compare integers; a non-integer label never matches.
        if not present:
            return False
        try:
            have = int(value)
        except ValueError:
            return False
        want = int(self.values[0])
        return have > want if self.op == "gt" else have < want


def _label_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tokenize(text: str) -> list[str]:
    """Split a selector into identifiers and operator symbols, as the k8s lexer does."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _SPECIAL:
            two = text[i:i + 2]
            if two in ("==", "!="):
                tokens.append(two)
                i += 2
            else:
                tokens.append(ch)
                i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            tokens.append(text[i:j])
            i = j
    return tokens


def _is_identifier(tok: str | None) -> TypeGuard[str]:
    return tok is not None and tok not in ("==", "!=") and tok[0] not in _SPECIAL


def _check_key(key: str, selector: str) -> None:
    prefix, sep, name = key.rpartition("/")
    ok = bool(_NAME_PART.fullmatch(name)) and len(name) <= 63
    if sep:
        ok = ok and bool(prefix) and len(prefix) <= 253 and bool(_DNS_SUBDOMAIN.fullmatch(prefix))
    if not ok:
        raise KustomizationError(
            f"unable to parse requirement: invalid label key {key!r} in selector {selector!r}")


def _check_value(value: str, selector: str) -> None:
    if len(value) > 63 or not _LABEL_VALUE.fullmatch(value):
        raise KustomizationError(
            f"unable to parse requirement: invalid label value {value!r} in selector {selector!r}")


def parse_label_selector(selector: str) -> tuple[Requirement, ...]:
    """Parse Kubernetes label-selector syntax; an empty string selects everything."""
    tokens = _tokenize(selector)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def fail(what: str) -> KustomizationError:
        return KustomizationError(f"unable to parse label selector {selector!r}: {what}")

    reqs: list[Requirement] = []
    while pos < len(tokens):
        tok = tokens[pos]
        if tok == "!":
            pos += 1
            key = peek()
            if not _is_identifier(key):
                raise fail(f"found {key!r}, expected: identifier after '!'")
            pos += 1
            _check_key(key, selector)
            reqs.append(Requirement(key, "!"))
        else:
            if not _is_identifier(tok):
                raise fail(f"found {tok!r}, expected: ! or identifier")
            key = tok
            pos += 1
            _check_key(key, selector)
            op = peek()
            if op in (None, ","):
                reqs.append(Requirement(key, "exists"))
            elif op in ("=", "==", "!="):
                pos += 1
                value = peek() or ""
                if value in ("", ","):
                    value = ""
                elif _is_identifier(value):
                    pos += 1
                else:
                    raise fail(f"found {value!r}, expected: identifier for value")
                _check_value(value, selector)
                reqs.append(Requirement(key, op, (value,)))
            elif op in ("<", ">"):
                pos += 1
                bound = peek()
                if not _is_identifier(bound) or not re.fullmatch(r"[-+]?\d+", bound):
                    raise fail(f"for 'Gt', 'Lt' operators, the value must be an integer")
                pos += 1
                reqs.append(Requirement(key, "gt" if op == ">" else "lt", (bound,)))
            elif op in ("in", "notin"):
                pos += 1
                if peek() != "(":
                    raise fail(f"found {peek()!r}, expected: '('")
                pos += 1
                values: list[str] = []
                while True:
                    item = peek()
                    if item == ")":
                        # "()" and a trailing comma both stand for an empty value.
                        if not values or tokens[pos - 1] == ",":
                            values.append("")
                        pos += 1
                        break
                    if item == ",":
                        if tokens[pos - 1] in ("(", ","):
                            values.append("")
                        pos += 1
                        continue
                    if not _is_identifier(item):
                        raise fail(f"found {item!r}, expected: ',' or ')'")
                    values.append(item)
                    pos += 1
                for v in values:
                    _check_value(v, selector)
                reqs.append(Requirement(key, op, tuple(values)))
            else:
                raise fail(f"found {op!r}, expected: in, notin, =, ==, !=, gt, lt")
        nxt = peek()
        if nxt is None:
            break
        if nxt != ",":
            raise fail(f"found {nxt!r}, expected: ','")
        pos += 1
        if peek() is None:
            raise fail("found '', expected: identifier after ','")
    return tuple(reqs)


# ---------------------------------------------------------------------------
# The selector itself.
# ---------------------------------------------------------------------------


def _compile(pattern: str, field_name: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(r"\A(?:" + pattern + r")\Z")
    except re.error as exc:
        raise KustomizationError(
            f"invalid regular expression {pattern!r} in selector field {field_name!r}: {exc}") from None


@dataclass(frozen=True)
class Selector:
    """A parsed target selector; empty fields match anything."""

    group: str = ""
    version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    label_selector: str = ""
    annotation_selector: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "Selector":
        """Build from a kustomization's ``target:`` mapping (also accepts ``gvk:``-less legacy keys)."""
        if d is None:
            return cls()
        if not isinstance(d, dict):
            raise KustomizationError(f"a patch target must be a mapping, got {d!r}")
        unknown = sorted(k for k in d if k not in _SELECTOR_FIELDS)
        if unknown:
            raise KustomizationError(f"unknown field(s) {', '.join(unknown)} in patch target")

        def text(key: str) -> str:
            v = d.get(key)
            if v is None:
                return ""
            if not isinstance(v, str):
                raise KustomizationError(
                    f"cannot unmarshal {type(v).__name__} into selector field {key!r} of type string")
            return v

        sel = cls(text("group"), text("version"), text("kind"), text("name"), text("namespace"),
                  text("labelSelector"), text("annotationSelector"))
        sel._compiled()  # surface bad regexes and selectors when the config is read
        return sel

    def is_empty(self) -> bool:
        return self == Selector()

    def _compiled(self) -> "_CompiledSelector":
        return _CompiledSelector(
            group=_compile(self.group, "group"),
            version=_compile(self.version, "version"),
            kind=_compile(self.kind, "kind"),
            name=_compile(self.name, "name"),
            namespace=_compile(self.namespace, "namespace"),
            labels=parse_label_selector(self.label_selector),
            annotations=parse_label_selector(self.annotation_selector),
        )

    def matches(self, resource: Resource) -> bool:
        return self._compiled().matches(resource)

    def __str__(self) -> str:
        gvk = ".".join((self.kind or "[noKind]", self.version or "[noVer]", self.group or "[noGrp]"))
        rid = f"{gvk}/{self.name or '[noName]'}.{self.namespace or '[noNs]'}"
        return f"{rid}:a={self.annotation_selector}:l={self.label_selector}"


@dataclass(frozen=True)
class _CompiledSelector:
    group: re.Pattern[str] | None
    version: re.Pattern[str] | None
    kind: re.Pattern[str] | None
    name: re.Pattern[str] | None
    namespace: re.Pattern[str] | None
    labels: tuple[Requirement, ...]
    annotations: tuple[Requirement, ...]

    def matches(self, res: Resource) -> bool:
        cur, org = res.cur_id, res.org_id
        if self.namespace is not None and not (
                self.namespace.match(org.effective_namespace)
                or self.namespace.match(cur.effective_namespace)):
            return False
        if self.name is not None and not (self.name.match(org.name) or self.name.match(cur.name)):
            return False
        gvk = res.gvk
        for pattern, value in ((self.group, gvk.group), (self.version, gvk.version),
                               (self.kind, gvk.kind)):
            if pattern is not None and not pattern.match(value):
                return False
        labels, annotations = res.labels(), res.annotations()
        return (all(r.matches(labels) for r in self.labels)
                and all(r.matches(annotations) for r in self.annotations))


def select(resources: Iterable[Resource], selector: Selector) -> list[Resource]:
    """The resources (a ResMap or any iterable) that the selector picks, in order."""
    compiled = selector._compiled()
    return [r for r in resources if compiled.matches(r)]
