"""RFC 6902 JSON patches with the semantics of the library Kustomize uses (evanphx/json-patch v4).

That library differs from the RFC (and from the `jsonpatch` package) in ways that change
what a build prints, so lamina applies operations itself:

- array indices may be negative (counted from the end; for `add`, -1 appends) and may
  carry a sign or leading zeros (`+1`, `01`), as Go's Atoi allows;
- `replace` of a missing object key adds it, `copy` from a missing key copies null, and
  `test` of a missing key against null succeeds;
- `add`, `replace` and `value`-less operations use null for a missing value;
- a path that does not start with `/` drops its first segment instead of failing.

Patches written as YAML are read the way Kustomize reads them (sigs.k8s.io/yaml, i.e.
go-yaml v2), so `y`, `yes` and `on` are booleans there.
"""

from __future__ import annotations

import json
import re
from types import MappingProxyType
from typing import Any

import yaml

from lamina.errors import LaminaError, ResourceError
from lamina.model.clone import clone
from lamina.yaml.scalars import resolve_v3, resolves_to_str_v2

_ATOI = re.compile(r"[+-]?[0-9]+\Z")
_V2_BOOLS = {**{w: True for w in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
                                   "true", "True", "TRUE")},
             **{w: False for w in ("n", "N", "no", "No", "NO", "off", "Off", "OFF",
                                    "false", "False", "FALSE")}}


class PatchError(ResourceError):
    """A JSON patch that cannot be read or applied."""


# ---------------------------------------------------------------------------
# Reading operations.
# ---------------------------------------------------------------------------

_PLAIN = "tag:lamina,2024:v2plain"


class _V2Loader(yaml.CSafeLoader):
    """Marks plain scalars so they can be given go-yaml v2 meanings."""

    def resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


def _v2_scalar(loader: yaml.Loader, node: yaml.ScalarNode) -> Any:
    s = node.value
    if s in _V2_BOOLS:
        return _V2_BOOLS[s]
    if resolves_to_str_v2(s):
        return s
    return resolve_v3(s)


def _json_key(key: Any) -> str:
    """sigs.k8s.io/yaml turns non-string keys into their text; a null key is an error."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        from lamina.yaml.scalars import go_float_text
        return go_float_text(key)
    if key is None or isinstance(key, (dict, list)):
        raise PatchError(f"unsupported map key {key!r} in JSON patch")
    return str(key)


def _v2_mapping(loader: yaml.Loader, node: yaml.MappingNode) -> dict[str, Any]:
    return {_json_key(loader.construct_object(k, deep=True)): loader.construct_object(v, deep=True)
            for k, v in node.value}


_V2Loader.add_constructor(_PLAIN, _v2_scalar)
_V2Loader.add_constructor("tag:yaml.org,2002:map", _v2_mapping)


def parse_operations(text: str, source: str = "") -> list[dict[str, Any]]:
    """Operations from JSON (text starting with '[') or YAML, as Kustomize decodes them."""
    where = f" in {source}" if source else ""
    if not text:
        raise PatchError(f"empty json patch operations{where}")
    try:
        if text[0] == "[":
            ops = json.loads(text)
        else:
            ops = yaml.load(text, Loader=_V2Loader)   # noqa: S506 - a safe loader subclass
    except (ValueError, yaml.YAMLError) as exc:
        raise PatchError(f"unable to read JSON patch{where}: {exc}") from None
    if ops is None:
        return []
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise PatchError(f"a JSON patch must be a list of operations{where}")
    return ops


# ---------------------------------------------------------------------------
# Applying operations.
# ---------------------------------------------------------------------------


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _index(token: str, what: str) -> int:
    if not _ATOI.match(token):
        raise PatchError(f"error in {what}: value was not a proper array index: '{token}'")
    return int(token)


def _get(container: Any, key: str) -> tuple[bool, Any]:
    """(found, value); a missing object key is 'found' as null, like evanphx's partialDoc."""
    if isinstance(container, dict):
        return True, container.get(key)
    if isinstance(container, list):
        if not _ATOI.match(key):
            return False, None
        i = int(key)
        if i < 0:
            if i < -len(container):
                return False, None
            i += len(container)
        if i >= len(container):
            return False, None
        return True, container[i]
    return False, None


def _find_parent(doc: Any, path: str) -> tuple[Any, str]:
    """The container holding the path's last token, or (None, '') when it is missing."""
    parts = path.split("/")
    if len(parts) < 2:
        return None, ""
    node = doc
    for part in parts[1:-1]:
        found, node = _get(node, _unescape(part))
        if not found or not isinstance(node, (dict, list)):
            return None, ""
    return node, _unescape(parts[-1])


def _add(container: Any, key: str, value: Any, path: str) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    i = _index(key, f"add for path: '{path}'")
    n = len(container)
    if i > n or i < -n - 1:
        raise PatchError(f"error in add for path: '{path}': Unable to access invalid index: {i}")
    if i < 0:
        i += n + 1
    container.insert(i, value)


def _remove(container: Any, key: str, path: str, op: str = "remove") -> None:
    if isinstance(container, dict):
        if key not in container:
            raise PatchError(f"error in {op} for path: '{path}': "
                             f"Unable to remove nonexistent key: {key}")
        del container[key]
        return
    i = _index(key, f"{op} for path: '{path}'")
    n = len(container)
    if i >= n or i < -n:
        raise PatchError(f"error in {op} for path: '{path}': Unable to access invalid index: {i}")
    del container[i]


def _locate(doc: Any, path: str, missing: str) -> tuple[Any, str]:
    parent, key = _find_parent(doc, path)
    if parent is None:
        raise PatchError(missing.format(path=path))
    return parent, key


def _from(op: dict[str, Any]) -> str:
    src = op.get("from")
    return src if isinstance(src, str) else ""


def _op_add(doc: Any, op: dict[str, Any], path: str) -> None:
    parent, key = _locate(doc, path, 'add operation does not apply: doc is missing path: "{path}"')
    _add(parent, key, clone(op.get("value")), path)


def _op_remove(doc: Any, op: dict[str, Any], path: str) -> None:
    parent, key = _locate(doc, path, 'remove operation does not apply: doc is missing path: "{path}"')
    _remove(parent, key, path)


def _op_replace(doc: Any, op: dict[str, Any], path: str) -> None:
    parent, key = _locate(doc, path, "replace operation does not apply: doc is missing path: {path}")
    if not _get(parent, key)[0]:
        raise PatchError(f"replace operation does not apply: doc is missing key: {path}")
    if isinstance(parent, dict):
        parent[key] = clone(op.get("value"))
    else:
        i = int(key)
        parent[i if i >= 0 else i + len(parent)] = clone(op.get("value"))


def _take(doc: Any, op: dict[str, Any], verb: str) -> tuple[Any, str, Any]:
    """The `from` location of a move or copy, and the value found there."""
    src = _from(op)
    parent, key = _locate(doc, src, verb + " operation does not apply: doc is missing from path: {path}")
    found, value = _get(parent, key)
    if not found:
        raise PatchError(f"error in {verb} for path: '{src}': Unable to access invalid index: {key}")
    return parent, key, value


def _op_move(doc: Any, op: dict[str, Any], path: str) -> None:
    parent, key, value = _take(doc, op, "move")
    _remove(parent, key, key, "move")   # removed before the destination is looked up
    parent, key = _locate(doc, path, "move operation does not apply: doc is missing destination path: {path}")
    _add(parent, key, value, path)


def _op_copy(doc: Any, op: dict[str, Any], path: str) -> None:
    _, _, value = _take(doc, op, "copy")
    parent, key = _locate(doc, path, "copy operation does not apply: doc is missing destination path: {path}")
    _add(parent, key, clone(value), path)


def _op_test(doc: Any, op: dict[str, Any], path: str) -> None:
    parent, key = _locate(doc, path, "test operation does not apply: is missing path: {path}")
    found, actual = _get(parent, key)
    if not found or not _json_equal(actual, op.get("value")):
        raise PatchError(f"testing value {path} failed: test failed")


_OPERATIONS = MappingProxyType({
    "add": _op_add, "remove": _op_remove, "replace": _op_replace,
    "move": _op_move, "copy": _op_copy, "test": _op_test,
})


def _apply_one(doc: Any, op: dict[str, Any]) -> None:
    kind = op.get("op")
    apply = _OPERATIONS.get(kind) if isinstance(kind, str) else None
    if apply is None:
        raise PatchError(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
    path = op.get("path")
    apply(doc, op, path if isinstance(path, str) else "")


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: 1 == 1.0, but true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))) \
        if a == b else False


def apply_json6902(target: dict, ops: list[dict[str, Any]] | str, source: str = "") -> dict:
    """Apply operations (a list, or JSON/YAML text) to a copy of `target`."""
    if isinstance(ops, str):
        ops = parse_operations(ops, source)
    doc = clone(target)
    holder = doc
    for op in ops:
        if not isinstance(op, dict):
            raise PatchError(f"a JSON patch operation must be a mapping, got {op!r}")
        try:
            _apply_one(holder, op)
        except LaminaError:
            raise
        except (TypeError, ValueError) as exc:   # defensive: a malformed operation
            raise PatchError(f"cannot apply JSON patch operation {op!r}: {exc}") from None
    return holder
