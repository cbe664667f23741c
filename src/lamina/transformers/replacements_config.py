"""Reading `replacements:` entries into typed, validated replacement specs.

An entry is either inline (`source` + `targets`, or `sourceValue` + `targets`) or
`path: file`, where the file holds one replacement or a list of them. Like Kustomize's
plugin config, unknown keys are ignored here; shape errors are reported with the file.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Iterable

from lamina.errors import KustomizationError
from lamina.model.resid import Gvk, ResId
from lamina.model.resource import Resource
from lamina.patch.selector import Requirement, Selector, parse_label_selector
from lamina.model.files import FileLoader
from lamina.yaml import load_all


@dataclass(frozen=True)
class FieldOptions:
    delimiter: str = ""
    index: int = 0
    encoding: str = ""
    create: bool = False

    def __str__(self) -> str:
        if not self.delimiter and not self.create:
            return ""
        return f"{self.delimiter}({self.index}), create={str(self.create).lower()}"


@dataclass(frozen=True)
class SourceSelector:
    res_id: ResId
    field_path: str = ""
    options: FieldOptions | None = None

    def res_id_str(self) -> str:
        return _res_id_str(self.res_id)

    def __str__(self) -> str:
        parts = [self.res_id_str()]
        if self.field_path:
            parts.append(self.field_path)
        opts = str(self.options) if self.options is not None else ""
        if opts:
            parts.append(opts)
        return ":".join(parts)


def _res_id_str(rid: ResId) -> str:
    g = rid.gvk
    gvk = ".".join((g.kind or "[noKind]", g.version or "[noVer]", g.group or "[noGrp]"))
    return f"{gvk}/{rid.name or '[noName]'}.{rid.namespace or '[noNs]'}"


def _anchored(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(r"\A(?:" + pattern + r")\Z")
    except re.error as e:
        raise KustomizationError(f"error creating target selector: {pattern!r}: {e}") from None


@dataclass(frozen=True)
class _IdRegex:
    """The id half of a selector, as Kustomize's SelectorRegex matches it: anchored
    regular expressions against one id's raw group, version, kind, name and namespace."""

    group: re.Pattern[str] | None
    version: re.Pattern[str] | None
    kind: re.Pattern[str] | None
    name: re.Pattern[str] | None
    namespace: re.Pattern[str] | None

    @classmethod
    def of(cls, s: Selector) -> "_IdRegex":
        return cls(_anchored(s.group), _anchored(s.version), _anchored(s.kind),
                   _anchored(s.name), _anchored(s.namespace))

    def is_empty(self) -> bool:
        return all(p is None for p in (self.group, self.version, self.kind, self.name,
                                       self.namespace))

    def matches(self, rid: ResId) -> bool:
        for pattern, value in ((self.group, rid.gvk.group), (self.version, rid.gvk.version),
                               (self.kind, rid.gvk.kind), (self.name, rid.name),
                               (self.namespace, rid.namespace)):
            if pattern is not None and not pattern.match(value):
                return False
        return True


@dataclass(frozen=True)
class _MetaSelector:
    """The label/annotation half of a selector."""

    labels: tuple[Requirement, ...]
    annotations: tuple[Requirement, ...]

    @classmethod
    def of(cls, s: Selector) -> "_MetaSelector":
        return cls(parse_label_selector(s.label_selector),
                   parse_label_selector(s.annotation_selector))

    def is_empty(self) -> bool:
        return not self.labels and not self.annotations

    def matches(self, res: Resource) -> bool:
        labels, annotations = res.labels(), res.annotations()
        return (all(r.matches(labels) for r in self.labels)
                and all(r.matches(annotations) for r in self.annotations))


@dataclass(frozen=True)
class TargetSelector:
    select: tuple[_IdRegex, _MetaSelector]
    reject: tuple[tuple[_IdRegex, _MetaSelector], ...]
    field_paths: tuple[str, ...]
    options: FieldOptions | None

    def selects(self, res: Resource, ids: Iterable[ResId]) -> bool:
        """Kustomize checks label/annotation selectors and ids separately: a reject entry
        rejects when its label/annotation part matches, or when its id part matches any of
        the resource's ids."""
        ids = list(ids)
        sel_id, sel_meta = self.select
        if not sel_meta.matches(res):
            return False
        for rej_id, rej_meta in self.reject:
            if not rej_meta.is_empty() and rej_meta.matches(res):
                return False
        for rej_id, _ in self.reject:
            if not rej_id.is_empty() and any(rej_id.matches(i) for i in ids):
                return False
        return any(sel_id.matches(i) for i in ids)


@dataclass(frozen=True)
class Replacement:
    source: SourceSelector | None
    targets: tuple[TargetSelector, ...]
    source_value: str | None = None
    # Where it is written, for messages: the file ("" for the kustomization itself), the
    # node path of the replacement in that file, and its entry under `replacements:`
    # (entry None: read from a `transformers:` config, whose file is not known here).
    file: str = ""
    at: tuple[str | int, ...] = ()
    entry: int | None = None


def _fail(where: str, msg: str) -> KustomizationError:
    return KustomizationError(f"{where}: {msg}" if where else msg)


def _str(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise _fail(where, f"replacement field {key!r} must be a string, got {v!r}")
    return str(v)


def _options(d: Any, where: str) -> FieldOptions | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        raise _fail(where, f"replacement options must be a map, got {d!r}")
    index = d.get("index", 0)
    if index is None:
        index = 0
    if isinstance(index, bool) or not isinstance(index, int):
        raise _fail(where, f"replacement option 'index' must be an integer, got {index!r}")
    create = d.get("create", False)
    if create is None:
        create = False
    if not isinstance(create, bool):
        raise _fail(where, f"replacement option 'create' must be true or false, got {create!r}")
    return FieldOptions(_str(d, "delimiter", where), index, _str(d, "encoding", where), create)


def _source(d: Any, where: str) -> SourceSelector | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        raise _fail(where, f"replacement source must be a map, got {d!r}")
    rid = ResId(Gvk(_str(d, "group", where), _str(d, "version", where), _str(d, "kind", where)),
                _str(d, "name", where), _str(d, "namespace", where))
    return SourceSelector(rid, _str(d, "fieldPath", where), _options(d.get("options"), where))


def _selector(d: Any, where: str) -> tuple[_IdRegex, _MetaSelector]:
    if not isinstance(d, dict):
        raise _fail(where, f"a replacement selector must be a map, got {d!r}")
    known = {k: v for k, v in d.items()
             if k in ("group", "version", "kind", "name", "namespace", "labelSelector",
                      "annotationSelector")}
    s = Selector.from_dict(known)
    return _IdRegex.of(s), _MetaSelector.of(s)


def _target(d: Any, where: str) -> TargetSelector:
    if not isinstance(d, dict):
        raise _fail(where, f"a replacement target must be a map, got {d!r}")
    if d.get("select") is None:
        raise _fail(where, "target must specify resources to select")
    rejects = d.get("reject") or []
    if not isinstance(rejects, list):
        raise _fail(where, "replacement target 'reject' must be a list")
    paths = d.get("fieldPaths") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise _fail(where, "replacement target 'fieldPaths' must be a list of strings")
    return TargetSelector(_selector(d["select"], where),
                          tuple(_selector(r, where) for r in rejects if r is not None),
                          tuple(paths), _options(d.get("options"), where))


def parse_replacement(d: Any, where: str) -> Replacement:
    if not isinstance(d, dict):
        raise _fail(where, f"a replacement must be a map, got {d!r}")
    targets = d.get("targets")
    source_value = d.get("sourceValue")
    if (d.get("source") is None and source_value is None) or targets is None:
        raise _fail(where, "replacements must specify a source and at least one target")
    if source_value is not None and d.get("source") is not None:
        raise _fail(where, "value and resource selectors are mutually exclusive")
    if not isinstance(targets, list):
        raise _fail(where, "replacement 'targets' must be a list")
    return Replacement(_source(d.get("source"), where),
                       tuple(_target(t, where) for t in targets if t is not None),
                       None if source_value is None else _str(d, "sourceValue", where))


_SEL_KEYS = ("group", "version", "kind", "name", "namespace", "labelSelector",
             "annotationSelector")
_OPT_KEYS = ("delimiter", "index", "encoding", "create")
_SRC_KEYS = ("group", "version", "kind", "name", "namespace", "fieldPath", "options")
_TARGET_KEYS = ("select", "reject", "fieldPaths", "options")
_ENTRY_KEYS = ("source", "targets", "sourceValue", "path")


def _refuse_unknown(d: Any, known: tuple[str, ...]) -> None:
    if not isinstance(d, dict):
        return
    lowered = {k.lower() for k in known}
    for key in d:
        if not isinstance(key, str) or key.lower() not in lowered:
            import difflib
            close = difflib.get_close_matches(str(key), list(known), 1, 0.6)
            hint = f"; did you mean \"{close[0]}\"?" if close else f"; valid fields: {', '.join(known)}"
            raise KustomizationError(f"unknown field \"{key}\" in a replacement{hint}\n"
                                     f"  (kustomize: invalid Kustomization: json: unknown field \"{key}\")")


def refuse_unknown_fields(entries: Any) -> None:
    """Kustomize decodes a kustomization strictly, so an unknown key anywhere inside its
    `replacements:` is an error (a `path:` file and a transformer config are read leniently)."""
    for entry in entries if isinstance(entries, list) else []:
        _refuse_unknown(entry, _ENTRY_KEYS)
        if not isinstance(entry, dict):
            continue
        source = entry.get("source")
        _refuse_unknown(source, _SRC_KEYS)
        if isinstance(source, dict):
            _refuse_unknown(source.get("options"), _OPT_KEYS)
        for target in entry.get("targets") or []:
            _refuse_unknown(target, _TARGET_KEYS)
            if not isinstance(target, dict):
                continue
            _refuse_unknown(target.get("select"), _SEL_KEYS)
            for reject in target.get("reject") or []:
                _refuse_unknown(reject, _SEL_KEYS)
            _refuse_unknown(target.get("options"), _OPT_KEYS)


def _placed(r: Replacement, file: str, at: tuple[str | int, ...], entry: int,
            own: bool) -> Replacement:
    return dataclasses.replace(r, file=file, at=at, entry=entry) if own else r


_GO_KINDS = {str: "string", int: "int64", float: "float64", bool: "bool", type(None): "invalid"}


def load_replacements(config: dict[str, Any], loader: FileLoader) -> tuple[Replacement, ...]:
    entries = config.get("replacements") or []
    if not isinstance(entries, list):
        raise KustomizationError("replacements must be a list")
    out: list[Replacement] = []
    # A kustomization's own field (a `transformers:` config has a kind): where each
    # replacement is written can be told (for messages and the unmatched-patch check).
    own = "kind" not in config and "metadata" not in config
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise KustomizationError(f"a replacement must be a map, got {entry!r}")
        path = entry.get("path") or ""
        if path and (entry.get("source") is not None or entry.get("targets")):
            raise KustomizationError("cannot specify both path and inline replacement")
        if not path:
            out.append(_placed(parse_replacement(entry, ""), "", ("replacements", n), n, own))
            continue
        shown = loader.display(path)
        docs = load_all(loader.read_text(path), shown)
        doc = docs[0] if docs else None
        if isinstance(doc, list):
            out.extend(_placed(parse_replacement(d, shown), shown, (k,), n, own)
                       for k, d in enumerate(doc))
        elif isinstance(doc, dict):
            out.append(_placed(parse_replacement(doc, shown), shown, (), n, own))
        else:
            kind = _GO_KINDS.get(type(doc), type(doc).__name__)
            raise KustomizationError(
                f"{shown}: unsupported replacement type encountered within replacement path: {kind}")
    return tuple(out)
