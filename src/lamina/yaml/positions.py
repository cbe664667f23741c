"""Where a field is written: the line (and column) of any key or list item in the user's files.

The reader (reader.py) turns documents into plain data and keeps only the line each
document starts on (a resource's `Origin.source`). Positions of the fields inside are
looked up here, lazily, when a message needs one (a check finding, `lamina explain`, a
schema or template error): the file is composed again (libyaml, cached per file content)
and the field path is walked through the node graph. An ordinary build never pays for it.

The API, for checks and messages:

    field_source(source, path, root="") -> SourceRef
        `source` is where the resource's document starts (Origin.source / Obj.source),
        `path` the field inside the object, e.g.
        ("spec", "template", "spec", "containers", ("name", "web"), "image"):
        a str steps into a mapping, an int indexes a list, a (key, value) pair picks the
        list item whose `key` equals `value` (containers by name survive patches that
        reorder them). The answer is the line of the deepest part of `path` that the
        file writes (the field's key when it is there, else its nearest written parent),
        or `source` unchanged when the file cannot be read. `root` is the folder that
        `source.path` is relative to ("" for the working directory).

    parse_field_path(text) -> FieldPath     `spec.containers[name=web].image` -> steps
    format_field_path(path) -> str          the inverse, for messages

`.j2` templates: the build renders them in memory; `remember_rendered` (called by the
loader) keeps each rendered text with its line map, so a field of a rendered template is
found in the rendered text and reported at the template line that wrote it. When that line
wrote the field as exactly one values leaf (`replicas: {{ values.replicas }}`), the answer is
a `ValueSource`: the line of the values file (or `--set`) that set the leaf, `via` the
template line (templates/value_lines.py says when a line qualifies). The render engine
renders several environments in one process: `rendering_scope(key)` around one target's
build and checks keeps each target's renderings apart, so a finding never reads another
environment's values.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from typing import Any, Union

import yaml

from lamina.errors import SourceRef
from lamina.yaml.value_positions import own_rendering, remember_scoped, through_values

Step = Union[str, int, tuple[str, str]]
FieldPath = tuple[Step, ...]

_SEPARATOR = re.compile(r"\n---.*\n")
_LOCK = threading.Lock()
# A file's documents, with the answers already found in them: (document line, path) -> position.
_Answers = dict[tuple[int | None, FieldPath], "tuple[int, int] | None"]
_FILES: "OrderedDict[tuple[str, int, int], tuple[list[Document], _Answers]]" = OrderedDict()
_RENDERED: "OrderedDict[str, Any]" = OrderedDict()     # absolute path -> RenderedText
_MAX_FILES = 2048
_MAX_RENDERED = 4096


# ---- field paths ------------------------------------------------------------------------

_STEP = re.compile(r"\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]|\[([^=\]]+)=([^\]]*)\]|([^.\[\]]+)")


def parse_field_path(text: str) -> FieldPath | None:
    """`spec.template.spec.containers[name=web].image` -> steps; `[0]` indexes a list;
    `data['app.conf']` names a key holding dots. None when `text` is not a field path."""
    steps: list[Step] = []
    pos = 0
    for m in _STEP.finditer(text):
        if m.start() != pos and text[pos:m.start()] != ".":
            return None
        pos = m.end()
        if m.group(1) is not None:
            steps.append(int(m.group(1)))
        elif m.group(2) is not None or m.group(3) is not None:
            steps.append(m.group(2) if m.group(2) is not None else m.group(3))
        elif m.group(4) is not None:
            steps.append((m.group(4), m.group(5)))
        else:
            steps.append(m.group(6))
    if not steps or pos != len(text):
        return None
    return tuple(steps)


def format_field_path(path: FieldPath) -> str:
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif isinstance(step, tuple):
            out += f"[{step[0]}={step[1]}]"
        elif "." in step or "[" in step:
            out += f"['{step}']"
        else:
            out += ("." if out else "") + step
    return out


# ---- walking a node graph ---------------------------------------------------------------

def walk(node: yaml.Node | None, path: FieldPath) -> tuple[yaml.Node | None, int]:
    """The node that writes the deepest reachable part of `path` (a mapping key's node for
    a mapping step, the item for a list step) and how many steps were matched."""
    found: yaml.Node | None = node
    matched = 0
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            pair = next(((k, v) for k, v in node.value
                         if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            if pair is None:
                break
            found, node = pair
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            found = node = node.value[step]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, tuple):
            key, want = step
            item = next((i for i in node.value if isinstance(i, yaml.MappingNode) and any(
                isinstance(k, yaml.ScalarNode) and k.value == key and
                isinstance(v, yaml.ScalarNode) and v.value == want for k, v in i.value)), None)
            if item is None:
                break
            found = node = item
        else:
            break
        matched += 1
    return found, matched


class Document:
    """One document of a text: its node graph, the 1-based line its content starts on, and
    how many lines come before its chunk (node marks count lines from the chunk)."""

    __slots__ = ("node", "line", "offset")

    def __init__(self, node: yaml.Node, line: int, offset: int):
        self.node, self.line, self.offset = node, line, offset


def documents(text: str) -> list[Document]:
    """The documents of a stream, split as the reader splits it (kyaml's `---` rule), so
    their lines agree with `Origin.source`."""
    text = text.replace("\r\n", "\n")
    out: list[Document] = []
    prev = 0
    line = 0
    chunks: list[tuple[str, int]] = []
    for m in _SEPARATOR.finditer(text):
        chunks.append((text[prev:m.start()] + "\n", line))
        line = line + text.count("\n", prev, m.start()) + 2
        prev = m.end()
    chunks.append((text[prev:], line))
    for chunk, first in chunks:
        try:
            node = yaml.compose(chunk, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        if node is not None:
            out.append(Document(node, first + node.start_mark.line + 1, first))
    return out


def _file_documents(path: str) -> list[Document] | None:
    entry = file_entry(path)
    return None if entry is None else entry[0]


def file_entry(path: str) -> tuple[list[Document], _Answers] | None:
    """The documents of the file at `path` and a memo of answers about them, kept while the
    file's size and modification time stay the same."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime_ns, st.st_size)
    with _LOCK:
        entry = _FILES.get(key)
        if entry is not None:
            _FILES.move_to_end(key)
            return entry
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    made: tuple[list[Document], _Answers] = (documents(text), {})
    with _LOCK:
        _FILES[key] = made
        while len(_FILES) > _MAX_FILES:
            _FILES.popitem(last=False)
    return made


def remember_rendered(path: str, rendered: Any) -> None:
    """Keep a rendered template's text (a templates.rendered.RenderedText, which maps output
    lines to template lines) so fields of its resources can be found later."""
    real = os.path.realpath(path)
    with _LOCK:
        _RENDERED[real] = rendered
        _RENDERED.move_to_end(real)
        while len(_RENDERED) > _MAX_RENDERED:
            _RENDERED.popitem(last=False)
    remember_scoped(real, rendered)


def rendered_text(path: str) -> Any:
    with _LOCK:
        return _RENDERED.get(os.path.realpath(path))


def template_documents(rendered: Any) -> list[Document]:
    """The documents of a rendered template, each with its start as a template line (the
    offsets stay in rendered lines, which template_line maps)."""
    return [Document(d.node, rendered.template_line(d.line), d.offset)
            for d in documents(str(rendered))]


# ---- the lookup -------------------------------------------------------------------------

def position(text_docs: list[Document], doc_line: int | None,
             path: FieldPath, exact: bool = False) -> tuple[int, int] | None:
    """0-based (line, column) in the text of `path` inside the document starting on 1-based
    `doc_line` (the only document when `doc_line` is None and there is one): of the
    deepest written part of it, or (`exact`) only of the whole path."""
    if doc_line is None:
        if len(text_docs) != 1:
            return None
        doc = text_docs[0]
    else:
        chosen = next((d for d in text_docs if d.line == doc_line), None)
        if chosen is None:
            return None
        doc = chosen
    found, matched = walk(doc.node, path)
    if found is None or (exact and matched < len(path)):
        return None
    return doc.offset + found.start_mark.line, found.start_mark.column


def field_source(source: SourceRef | None, path: FieldPath, root: str = "",
                 data: Any = None) -> SourceRef | None:
    """Where `path` of the resource whose document starts at `source` is written (see the
    module docstring; patch_positions.field_source also looks in the patches applied to
    it). `data`, the resource as built (None: not known), lets a values line be named only
    when the built value is still the one the values set (no transformer changed it since). Never raises
    for an unreadable or changed file: falls back to `source`."""
    if source is None or not path:
        return source
    full = source.path if os.path.isabs(source.path) or not root else os.path.join(root, source.path)
    own = rendered = None
    if full.endswith(".j2"):
        own = own_rendering(full, rendered_text)
        rendered = own if own is not None else rendered_text(full)
    if rendered is not None:
        docs = _rendered_documents(rendered)
        # Rendered output lines map to the template; the document line in `source` is
        # already a template line, so match documents on their mapped start.
        found = position(docs, source.line, path)
        if found is None:
            return source
        here = SourceRef(source.path, rendered.template_line(found[0] + 1))
        if own is None:
            return here
        return through_values(own, docs, source.line, path, here, root, data) or here
    if full.endswith(".j2"):
        return source       # the template's text is not YAML: nothing to walk
    entry = file_entry(full)
    if entry is None:
        return source
    docs, memo = entry
    # Every environment built from a base asks the same questions of its files.
    key = (source.line, path)
    found = memo.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = memo[key] = position(docs, source.line, path)
    if found is None:
        return source
    return SourceRef(source.path, found[0] + 1, found[1] + 1)


_UNSEEN: Any = object()


def own_depth(source: SourceRef, path: FieldPath, root: str) -> int:
    """How many steps of `path` the resource's own file (or rendered template) writes."""
    full = source.path if os.path.isabs(source.path) or not root else os.path.join(root, source.path)
    rendered = rendered_text(full) if full.endswith(".j2") else None
    docs = _rendered_documents(rendered) if rendered is not None else _file_documents(full)
    doc = next((d for d in docs or () if d.line == source.line), None)
    return 0 if doc is None else walk(doc.node, path)[1]


_RENDERED_DOCS: "OrderedDict[int, tuple[Any, list[Document]]]" = OrderedDict()


def _rendered_documents(rendered: Any) -> list[Document]:
    with _LOCK:
        hit = _RENDERED_DOCS.get(id(rendered))
        if hit is not None and hit[0] is rendered:
            return hit[1]
    docs = template_documents(rendered)
    with _LOCK:
        _RENDERED_DOCS[id(rendered)] = (rendered, docs)
        while len(_RENDERED_DOCS) > _MAX_FILES:
            _RENDERED_DOCS.popitem(last=False)
    return docs


def text_position(text: str, path: FieldPath, doc_line: int | None = None) -> tuple[int, int] | None:
    """1-based (line, column) of `path` in YAML `text` (a kustomization, a values file...);
    None unless the whole path is written there."""
    docs = documents(text)
    if doc_line is None and docs:
        doc_line = docs[0].line
    found = position(docs, doc_line, path, exact=True)
    return None if found is None else (found[0] + 1, found[1] + 1)


def file_position(path: str, field: FieldPath, doc_line: int | None = None) -> tuple[int, int] | None:
    """1-based (line, column) of `field` in the YAML file at `path` (its first document
    unless `doc_line` says which); None unless the whole path is written there."""
    docs = _file_documents(path)
    if docs is None:
        return None
    if doc_line is None and docs:
        doc_line = docs[0].line
    found = position(docs, doc_line, field, exact=True)
    return None if found is None else (found[0] + 1, found[1] + 1)
