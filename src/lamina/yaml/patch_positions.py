"""Where a patch or a replacement writes a field: the line a finding, a schema error or a
message points at when the field's value comes from a patch or a replacement rather than
from the resource's own file.

The patch plugins (transformers/patches.py) call `note_patch(res, display, doc)` for each
patch they apply to a resource, and the replacement transformer `note_replacement` for
each target field it writes; the resource's `Origin.source` becomes a `PatchedSource`, the
document's line plus those changes, in order. `field_source` (positions.py) then asks
`overriding(source, path, root, data)`: the last change that writes the whole field wins;
else a patch that writes more of the field's path than the resource's own file does (a
finding about a missing key under a block the patch added). A patch file is named at its
own line; an inline patch (`patch: |-`) at the line inside the kustomization
(inline_positions.py); a JSON 6902 operation at its `value:`; a replacement at the target's
`fieldPaths` item (replacement_positions.py).

A patch file is read again only when a message needs it (cached with the other files by
positions.py), so a build pays one tuple per patched resource.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from dataclasses import dataclass
from typing import Any

import yaml

from lamina.errors import SourceRef
from lamina.yaml.inline_positions import inline_text
from lamina.yaml.positions import Document, file_entry, own_depth, walk
from lamina.yaml.positions import field_source as own_field_source
from lamina.yaml.replacement_positions import writes


@dataclass(frozen=True)
class PatchRef:
    """A change applied to a resource. A patch file: its path in the frame of the
    resource's source path, and the `metadata.name` of the patch document that applied (""
    for a JSON patch, or when the file holds one document). An inline patch: `path` is the
    kustomization that holds it and `text` the patch. A replacement: `path` is the file
    that holds it, `field` the target's field path (split as Kustomize splits it) and `at`
    the node path of that `fieldPaths` item in the file."""

    path: str
    name: str = ""
    text: str = ""
    field: tuple[str, ...] = ()
    at: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class PatchedSource(SourceRef):
    """A resource's document line, plus the patch files applied to it (oldest first)."""

    patches: tuple[PatchRef, ...] = ()

    def moved(self, base: str) -> "PatchedSource":
        """The same place with every path joined to `base` (project_relative)."""
        def join(p: str) -> str:
            return posixpath.normpath(posixpath.join(base, p)) if base and base != "." else p
        return PatchedSource(join(self.path), self.line, self.column,
                             tuple(dataclasses.replace(p, path=join(p.path)) for p in self.patches))


def note_patch(res: Any, display: str, doc: Any = None, text: str = "") -> None:
    """Remember on `res` (a model.resource.Resource) that the patch file `display` (a path
    in the build root's frame, as the loader displays it) was applied to it; with `text`,
    the inline patch `text` written in the kustomization `display`. `doc` is the
    strategic-merge patch document, None for a JSON patch."""
    name = ""
    if isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
        value = doc["metadata"].get("name")
        name = value if isinstance(value, str) else ""
    _note(res, PatchRef(display, name, text))


def note_replacement(res: Any, display: str, field: tuple[str, ...],
                     at: tuple[str | int, ...]) -> None:
    """Remember on `res` that a replacement held in the file `display` wrote its field
    `field` (Kustomize's split field path); `at` is that `fieldPaths` item's node path."""
    _note(res, PatchRef(display, field=field, at=at))


def _note(res: Any, ref: PatchRef) -> None:
    origin = getattr(res, "origin", None)
    if origin is None or origin.source is None or not ref.path or ref.path.startswith("<"):
        return
    src = origin.source
    before = src.patches if isinstance(src, PatchedSource) else ()
    if before and before[-1] == ref:
        return
    res.origin = dataclasses.replace(
        origin, source=PatchedSource(src.path, src.line, src.column, before + (ref,)))


# ---- the lookup -------------------------------------------------------------------------

def field_source(source: SourceRef | None, path: tuple[Any, ...], root: str = "",
                 data: Any = None) -> SourceRef | None:
    """positions.field_source, except that a field a patch sets is named in the patch
    (`data`, the resource as rendered, lets JSON patches' list indexes be matched)."""
    if source is not None and path and isinstance(source, PatchedSource) and source.patches:
        depth = own_depth(source, path, root)
        hit = overriding(source, path, root, data, _needed_text(data, path, depth))
        if hit is not None and (hit[1] > depth or (hit[1] == len(path) and hit[2])):
            return hit[0]
    return own_field_source(source, path, root, data)


def _needed_text(data: Any, path: tuple[Any, ...], depth: int) -> str | None:
    """Text that a patch must hold to win over the resource's own file: the first step of
    `path` the file does not write (or the last step), as a key or a list item's name. A
    patch without it can be skipped unparsed, which is most of them (a warm render reads no
    other file). None when the step has no such text (a list index; a key a JSON pointer
    escapes)."""
    step = named_path(data, path)[min(depth, len(path) - 1)]
    text = step[1] if isinstance(step, tuple) else step
    if not isinstance(text, str) or not text or "/" in text or "~" in text:
        return None
    return text


def _mentions(path: str, text: str) -> bool:
    """Whether the file at `path` holds `text` (True when it cannot be read: the parse that
    follows decides)."""
    try:
        st = os.stat(path)
    except OSError:
        return True
    key = (path, st.st_mtime_ns, st.st_size)
    content = _TEXTS.get(key)
    if content is None:
        try:
            with open(path, encoding="utf-8") as fh:
                content = fh.read()
        except (OSError, UnicodeDecodeError):
            return True
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        _TEXTS[key] = content
    return text in content


_TEXTS: dict[tuple[str, int, int], str] = {}


def overriding(source: PatchedSource, path: tuple[Any, ...], root: str,
               data: Any = None, needed: str | None = None) -> tuple[SourceRef, int, bool] | None:
    """The line of the last patch that writes the most of `path`, how many of its steps it
    writes, and whether it sets the field's whole value (a scalar, or a JSON operation on
    the field itself) rather than merging into a block the resource also writes; None when
    no patch writes any of it. With `needed`, patches whose text lacks it are not read."""
    best: tuple[SourceRef, int, bool] | None = None
    pointer = json_pointer(_concrete(data, path)) if data is not None else None
    for ref in source.patches:
        full = ref.path if os.path.isabs(ref.path) or not root else os.path.join(root, ref.path)
        if ref.field:
            if writes(ref.field, path, data):
                best = (written_at(ref.path, full, ref.at), len(path), True)
            continue
        if ref.text:
            if needed is not None and needed not in ref.text:
                continue
            inline = inline_text(full, ref.text)
            if inline is None:
                continue
            docs, place = inline.docs, inline.place
        else:
            if needed is not None and not _mentions(full, needed):
                continue
            entry = file_entry(full)
            if entry is None:
                continue
            docs, place = entry[0], _same
        hit = _in_documents(docs, ref.name, path, pointer, data)
        if hit is not None and (best is None or hit[2] >= best[1]):
            line, column = place(hit[0], hit[1])
            best = (SourceRef(ref.path, line, column), hit[2], hit[3])
    return best


def _same(line: int, column: int) -> tuple[int, int]:
    return line + 1, column + 1


def _in_documents(docs: list[Document], name: str, path: tuple[Any, ...], pointer: str | None,
                  data: Any) -> tuple[int, int, int, bool] | None:
    """0-based (line, column) in the patch text of the deepest part of `path` that the
    patch (the document named `name`, when several) writes, how many steps that is, and
    whether it sets the field's whole value."""
    candidates = [d for d in docs if _doc_name(d.node) == name] if name else docs
    for doc in candidates or docs:
        whole = True
        if isinstance(doc.node, yaml.SequenceNode):
            found = _in_operations(doc.node, path, pointer, data)
        else:
            named = named_path(data, path)
            node, matched = walk(doc.node, named)
            found = (node, matched) if node is not None and matched else None
            whole = isinstance(_value(doc.node, named), yaml.ScalarNode)
        if found is not None:
            node, matched = found
            return doc.offset + node.start_mark.line, node.start_mark.column, matched, whole
    return None


def written_at(display: str, full: str, at: tuple[str | int, ...]) -> SourceRef:
    """file:line:column of the node at `at` (or of the deepest written part of it) in the
    first document of the file `full`, named `display`; the file alone when it cannot be
    read (a replacement's `fieldPaths` item, its source or target)."""
    entry = file_entry(full)
    if entry is None or not entry[0]:
        return SourceRef(display)
    doc = entry[0][0]
    node, matched = walk(doc.node, at)
    if node is None or (at and not matched):
        return SourceRef(display)
    return SourceRef(display, doc.offset + node.start_mark.line + 1, node.start_mark.column + 1)


def _value(node: Any, path: tuple[Any, ...]) -> Any:
    """The value node at the end of `path` (None when the document does not write it)."""
    return _value_of(node, path)


def _value_of(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode):
            found, n = walk(node, (step,))
            node = found if n else None
        else:
            return None
    return node


def _doc_name(node: Any) -> str:
    if not isinstance(node, yaml.MappingNode):
        return ""
    md = next((v for k, v in node.value if getattr(k, "value", None) == "metadata"), None)
    if isinstance(md, yaml.MappingNode):
        return next((v.value for k, v in md.value if getattr(k, "value", None) == "name"
                     and isinstance(v, yaml.ScalarNode)), "")
    return ""


def _in_operations(ops: yaml.SequenceNode, path: tuple[Any, ...], pointer: str | None,
                   data: Any) -> tuple[yaml.Node, int] | None:
    """The last JSON 6902 operation on `path` or on a parent of it (inside its value when the
    value writes more of the path)."""
    if pointer is None:
        return None
    wanted = pointer.split("/")[1:]
    hit: tuple[yaml.Node, int] | None = None
    for op in ops.value:
        if not isinstance(op, yaml.MappingNode):
            continue
        fields = {k.value: v for k, v in op.value if isinstance(k, yaml.ScalarNode)}
        p = fields.get("path")
        if not isinstance(p, yaml.ScalarNode) or not isinstance(p.value, str):
            continue
        parts = p.value.rstrip("/").split("/")[1:] if p.value not in ("", "/") else []
        if parts != wanted[:len(parts)]:
            continue
        # The operation's `value:` is where the field's value is written (`op:` for a
        # remove, a move or a copy, which write none).
        node: yaml.Node = next((k for k, _v in op.value if getattr(k, "value", None) == "value"), op)
        matched = len(parts)
        value = fields.get("value")
        if value is not None and len(parts) < len(path):
            inner, more = walk(value, tuple(_concrete(data, path))[len(parts):])
            if inner is not None and more:
                node, matched = inner, matched + more
        if hit is None or matched >= hit[1]:
            hit = (node, matched)
    return hit


def _concrete(data: Any, path: tuple[Any, ...]) -> list[Any]:
    """`(name, web)` steps replaced by the item's index in `data`, as JSON pointers address
    items; the path unchanged from the first step `data` does not hold."""
    out: list[Any] = []
    node = data
    for i, step in enumerate(path):
        if isinstance(step, tuple):
            index = next((n for n, item in enumerate(node) if isinstance(item, dict)
                          and str(item.get(step[0])) == step[1]), None) if isinstance(node, list) else None
            if index is None:
                return out + list(path[i:])
            out.append(index)
            node = node[index]
        else:
            out.append(step)
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return out + list(path[i + 1:])
    return out


def named_path(data: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Index steps into lists of named items (containers, env, volumes) replaced by
    `(name, value)` steps: a source file or a strategic-merge patch may hold the list in
    another order, or fewer items, than the rendered object `data`."""
    if data is None:
        return tuple(path)
    out: list[Any] = []
    node = data
    for step in path:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            item = node[step]
            name = item.get("name") if isinstance(item, dict) else None
            out.append(("name", name) if isinstance(name, str) else step)
            node = item
        elif isinstance(step, tuple) and isinstance(node, list):
            out.append(step)
            node = next((i for i in node if isinstance(i, dict) and str(i.get(step[0])) == step[1]), None)
        else:
            out.append(step)
            node = node.get(step) if isinstance(node, dict) and isinstance(step, str) else None
    return tuple(out)


def json_pointer(steps: list[Any]) -> str | None:
    """The JSON pointer (RFC 6901) of `steps`; None while a step is still a `(key, name)`
    pair, which a pointer cannot address."""
    if any(isinstance(s, tuple) for s in steps):
        return None
    return "/" + "/".join(str(s).replace("~", "~0").replace("/", "~1") for s in steps)
