"""Pairing resources of two renders by id and describing what changed, field by field."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from lamina.model.objref import ObjectRef
from lamina.redact import REDACTED, Redactor

_HASH_SUFFIX = re.compile(r"-[bcdfghkmtz2456789]{10}$")
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any
    kind: str          # added | removed | changed

    def summary(self) -> str:
        def show(v: Any) -> str:
            text = repr(v) if isinstance(v, str) and (not v or " " in v) \
                and not v.startswith(REDACTED) else str(v)
            return text if len(text) <= 60 else text[:57] + "..."
        if self.kind == ADDED:
            return f"{self.path}: + {show(self.new)}"
        if self.kind == REMOVED:
            return f"{self.path}: - {show(self.old)}"
        return f"{self.path}: {show(self.old)} -> {show(self.new)}"


@dataclass
class ResourceDiff:
    status: str                              # added | removed | changed
    ident: ObjectRef
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    fields: list[FieldChange] = field(default_factory=list)
    renamed_from: str | None = None
    secret_changed: bool = False
    redactor: Redactor = field(default_factory=Redactor, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.ident.qualified()

    def unified(self, context: int = 3) -> str:
        from lamina.yaml import dump
        old = dump(self.redactor.object(self.old)).splitlines(True) if self.old else []
        new = dump(self.redactor.object(self.new)).splitlines(True) if self.new else []
        before = ObjectRef.of(self.old).qualified() if self.old else "/dev/null"
        return "".join(difflib.unified_diff(old, new, before, self.name, n=context))


@dataclass
class EnvironmentDiff:
    environment: str
    resources: list[ResourceDiff] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for r in self.resources:
            out[r.status] += 1
        return out


def _flatten(node: Any, path: str, out: dict[str, Any],
             steps: dict[str, tuple] | None = None, at: tuple = ()) -> None:
    """Leaves by display path; `steps` (when given) gets each path's keys and indexes."""
    if isinstance(node, dict) and node:
        for k in node:
            key = str(k)
            sub = f"{path}.{key}" if path else key
            if "." in key or "/" in key:
                sub = f"{path}[{key!r}]" if path else f"[{key!r}]"
            _flatten(node[k], sub, out, steps, at + (k,))
    elif isinstance(node, list) and node:
        named = all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in node)
        names = [i.get("name") for i in node] if named else []
        keyed = named and len(set(names)) == len(names)
        for i, item in enumerate(node):
            _flatten(item, f"{path}[name={item['name']}]" if keyed else f"{path}[{i}]", out,
                     steps, at + (i,))
    else:
        out[path] = node
        if steps is not None:
            steps[path] = at


def field_changes(old: dict[str, Any], new: dict[str, Any],
                  ignore: Iterable[str] = (), redactor: Redactor | None = None) -> list[FieldChange]:
    """What changed, leaf by leaf, compared on the true values and shown redacted
    (lamina/redact.py): a change that redaction would hide is shown as `<redacted>
    (changed)`."""
    red = redactor if redactor is not None else Redactor.of([old, new])
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    sa: dict[str, tuple] = {}
    sb: dict[str, tuple] = {}
    _flatten(old, "", a, sa)
    _flatten(new, "", b, sb)
    kind_a, kind_b = str(old.get("kind") or ""), str(new.get("kind") or "")
    ignore = tuple(ignore)
    out = []
    for path in sorted(set(a) | set(b)):
        if any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in ignore):
            continue
        va = red.at(kind_a, list(sa[path]), a[path]) if path in a else None
        vb = red.at(kind_b, list(sb[path]), b[path]) if path in b else None
        shown = red.text(path)
        if path not in a:
            out.append(FieldChange(shown, None, vb, ADDED))
        elif path not in b:
            out.append(FieldChange(shown, va, None, REMOVED))
        elif a[path] != b[path] or type(a[path]) is not type(b[path]):
            if va == vb:     # the difference is in what redaction hides
                vb = f"{vb if isinstance(vb, str) else REDACTED} (changed)"
            out.append(FieldChange(shown, va, vb, CHANGED))
    return out


def _similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    fa: dict[str, Any] = {}
    fb: dict[str, Any] = {}
    _flatten({k: v for k, v in a.items() if k != "metadata"}, "", fa)
    _flatten({k: v for k, v in b.items() if k != "metadata"}, "", fb)
    keys = set(fa) | set(fb)
    if not keys:
        return 1.0
    return sum(1 for k in keys if fa.get(k, object()) == fb.get(k, object())) / len(keys)


def _name_affinity(old: str, new: str) -> float:
    """1 when the names differ only by a generator hash, 0.75 when one (hash stripped) is the
    other plus a prefix or suffix (namePrefix, nameSuffix), else 0."""
    a, b = _HASH_SUFFIX.sub("", old), _HASH_SUFFIX.sub("", new)
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if short and (long_.endswith("-" + short) or long_.startswith(short + "-")):
        return 0.75
    if short and (long_.endswith(short) or long_.startswith(short)):
        return 0.5
    return 0.0


def _rename_score(key_old: ObjectRef, obj_old: dict[str, Any], key_new: ObjectRef,
                  obj_new: dict[str, Any]) -> float | None:
    """How likely `new` is `old` renamed (None: not a candidate). Same group and kind; the
    same namespace, or in another namespace (a namespace change) a name that is the same
    but for a hash, prefix or suffix."""
    if (key_old.group, key_old.kind) != (key_new.group, key_new.kind):
        return None
    same_ns = key_old.namespace == key_new.namespace
    affinity = _name_affinity(key_old.name, key_new.name)
    if not same_ns and affinity < 0.75:
        return None
    similarity = _similarity(obj_old, obj_new)
    if affinity < 0.75 and similarity < 0.6:
        return None
    return affinity + similarity + (0.5 if same_ns else 0.0)


def diff_resources(environment: str, old: list[dict[str, Any]], new: list[dict[str, Any]],
                   ignore_fields: Iterable[str] = (), only: Iterable[tuple[str, str]] = (),
                   normalize: Callable[[ObjectRef], ObjectRef] | None = None) -> EnvironmentDiff:
    """Pair by (group, kind, namespace, name); then pair leftovers that are renames (a new
    generator hash, a changed prefix or suffix, a changed namespace) by kind, name and
    content, the most alike pairs first."""
    ignore_fields = tuple(ignore_fields)
    only = tuple(only)
    old, new = list(old), list(new)
    red = Redactor.of(old, new)     # every Secret value of both sides, for every resource

    def wanted(obj: dict[str, Any]) -> bool:
        return all(str(_get(obj, key)) == value for key, value in only)

    norm = normalize or (lambda ref: ref)
    old_by = {norm(ObjectRef.of(o)): o for o in old if wanted(o)}
    new_by = {norm(ObjectRef.of(o)): o for o in new if wanted(o)}
    result = EnvironmentDiff(environment)
    pairs = [(k, old_by[k], new_by[k]) for k in new_by if k in old_by]
    removed = {k: v for k, v in old_by.items() if k not in new_by}
    added = {k: v for k, v in new_by.items() if k not in old_by}
    renames = []
    scored = []
    for key_new, obj_new in added.items():
        for key_old, obj_old in removed.items():
            score = _rename_score(key_old, obj_old, key_new, obj_new)
            if score is not None:
                scored.append((-score, key_old != key_new, key_new, key_old))
    taken_old: set = set()
    taken_new: set = set()
    for _score, _differs, key_new, key_old in sorted(scored):   # best pairs first
        if key_old in taken_old or key_new in taken_new:
            continue
        taken_old.add(key_old)
        taken_new.add(key_new)
        renames.append((key_old, key_new, removed.pop(key_old), added[key_new]))
    for key_old, key_new, o, n in renames:
        del added[key_new]
        changes = field_changes(o, n, ignore_fields, red)
        result.resources.append(ResourceDiff(CHANGED, ObjectRef.of(n), o, n, changes,
                                             renamed_from=ObjectRef.of(o).qualified(),
                                             secret_changed=_secret_changed(o, n),
                                             redactor=red))
    for key, o, n in pairs:
        changes = field_changes(o, n, ignore_fields, red)
        if changes:
            result.resources.append(ResourceDiff(CHANGED, ObjectRef.of(n), o, n, changes,
                                                 secret_changed=_secret_changed(o, n),
                                                 redactor=red))
    for key, o in removed.items():
        result.resources.append(ResourceDiff(REMOVED, ObjectRef.of(o), o, None, redactor=red))
    for key, n in added.items():
        result.resources.append(ResourceDiff(ADDED, ObjectRef.of(n), None, n, redactor=red))
    result.resources.sort(key=lambda r: (r.ident.kind, r.ident.namespace, r.ident.name, r.status))
    return result


def _secret_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    if old.get("kind") != "Secret":
        return False
    return any(old.get(k) != new.get(k) for k in ("data", "stringData"))


def _get(obj: dict[str, Any], dotted: str) -> Any:
    node: Any = obj
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node
