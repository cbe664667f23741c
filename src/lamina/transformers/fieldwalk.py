"""The field-spec walker: apply a function at every place a field-spec path reaches.

Path rules, as Kustomize's fieldspec filter applies them:
- segments are separated by `/`; a backslash before a slash keeps it inside the segment
  (`metadata/annotations/example.com\\/key`); one leading `/` is ignored;
- a segment may end in `[]` to say the field holds a list; whether or not it is written,
  a list met on the way is entered element by element with the rest of the path;
- missing fields are created (as maps on the way, and as the leaf) only when asked;
  a `null` met on the way ends the walk, unless creation turns it into a map;
- meeting a scalar where the path needs a map or list is an error.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from lamina.errors import LaminaError, ResourceError
from lamina.model.resid import Gvk

if TYPE_CHECKING:
    from lamina.transformers.fieldspecs import FieldSpec

@functools.lru_cache(maxsize=4096)
def split_path(path: str) -> tuple[tuple[str, bool], ...]:
    """Split a field-spec path into (field name, marked-as-list) segments, honouring `\\/`."""
    parts = path.split("/")
    if len(parts) > 1 and parts[0] == "":
        parts = parts[1:]
    segs = [parts[0]]
    for p in parts[1:]:
        if segs[-1].endswith("\\"):
            segs[-1] = segs[-1][:-1] + "/" + p
        else:
            segs.append(p)
    out = []
    for s in segs:
        is_list = s.endswith("[]")
        out.append((s[:-2] if is_list else s, is_list))
    return tuple(out)


class PathError(ResourceError):
    """The object's shape does not allow walking the path (a scalar where a map is needed)."""


class WrongNodeKind(PathError):
    """The path reaches a node of the wrong kind (a map where a scalar is set, ...), worded
    as kyaml words it."""

    def __init__(self, expected: str, found: str):
        super().__init__(f"wrong node kind: expected {expected} but got {found}")


SetFn = Callable[[Any], Any]


def apply_at(obj: Any, path: str, fn: SetFn, create: bool = False) -> None:
    """Call `fn` on every value `path` reaches in `obj` and store what it returns there.

    `fn` receives the current value, or None when the value is null or was just created
    (only with `create`). Lists met on the way are entered element by element. Raises
    PathError (without resource context; callers add it) when the shape does not fit.
    """
    _walk(obj, split_path(path), 0, fn, create)


def _walk(node: Any, segs: tuple[tuple[str, bool], ...], i: int, fn: SetFn, create: bool) -> None:
    if node is None:
        return
    if isinstance(node, list):
        try:
            for elem in node:
                _walk(elem, segs, i, fn, create)
        except LaminaError as e:
            # Say which part of the path was being applied to the list's elements.
            rest = " ".join(name + ("[]" if is_list else "") for name, is_list in segs[i:])
            raise type(e)(f"visit traversal on path: [{rest}]: {e.message}", e.source) from None
        return
    if not isinstance(node, dict):
        raise PathError("expected sequence or mapping node")
    name, is_list = segs[i]
    if name == "":
        raise PathError("cannot set or create an empty field name")
    last = i == len(segs) - 1
    if name not in node:
        if not create or is_list:
            return
        if last:
            node[name] = fn(None)
            return
        node[name] = {}
    elif node[name] is None:
        # An explicit null becomes the kind of node the path expects when Kustomize would
        # create it (a list for `[]` segments), so later transformers see the same shape.
        if is_list:
            node[name] = []
        elif create and not last:
            node[name] = {}
    if last:
        node[name] = fn(node[name])
        return
    _walk(node[name], segs, i + 1, fn, create)


def apply_fieldspecs(obj: dict[str, Any], specs: Iterable[FieldSpec], fn: SetFn,
                     create_ok: bool = True, describe: Callable[[], str] | None = None) -> None:
    """Apply `fn` at every spec that selects `obj`. `create_ok=False` ignores the specs'
    `create` (Kustomize does so when a filter has no node kind to create).
    Shape errors are re-raised with the spec path and, via `describe`, the object."""
    for fs in specs:
        if not fs.matches_obj(obj):
            continue
        try:
            apply_at(obj, fs.path, fn, fs.create and create_ok)
        except PathError as e:
            who = describe() if describe else _describe(obj)
            raise ResourceError(f"considering field '{fs.path}' of object {who}: {e.message}") from None


def _describe(obj: Mapping[str, Any]) -> str:
    from lamina.model.resid import ResId
    raw_md = obj.get("metadata")
    md: Mapping[str, Any] = raw_md if isinstance(raw_md, dict) else {}
    gvk = Gvk.from_api_version(obj.get("apiVersion") or "", obj.get("kind") or "")
    name, ns = md.get("name"), md.get("namespace")
    return str(ResId(gvk, name if isinstance(name, str) else "", ns if isinstance(ns, str) else ""))
