"""Which values leaf a rendered field came from: the link from a template line to the line of
the values file (or the --set) that set the value the line writes.

A finding, a schema error or `lamina explain` about a field of a rendered template first finds
the template line that wrote the field (yaml/positions.py). When that line's scalar is the
output of one values expression and nothing else, the field's value came from exactly one
values leaf, and the message points at the line that set the winning value (the merged
values' origins), with the template line as a second place ("via"):

    replicas: {{ values.replicas }}            # the leaf `replicas`
    value: {{ svc.port | quote }}              # `services.user.port`, after
                                               # {% set svc = values.services.user %}
    resources: {{ values.resources }}          # a map: the leaf under it that holds the field
    {{- values.resources | toyaml | nindent(10) }}

Anything else keeps the template line, never a guess: two expressions on the line, a literal
beside the expression (`image: nginx:{{ values.tag }}`), a loop variable or a macro argument,
a call, a conditional, a block tag on the line, or a rendered value that is not the leaf's
(a filter that changed it, a transformer that changed it later).

Worked out only when a message asks: each template text is read (Jinja's lexer and parser,
no compiling) once, and what each of its lines holds is kept with it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import yaml
from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

from lamina.errors import SourceRef
from lamina.templates.paths import ValuePath, format_path

_Step = Any     # str | int | (key, value): a field path step, as yaml/positions.py spells it
_PLACEHOLDER = "lamina0value0here"
_PARSER = Environment(keep_trailing_newline=True)   # the dialect's syntax: Jinja's defaults


@dataclass(frozen=True)
class Line:
    """What one template line writes: `sole` is the values path of its one expression when
    that expression is the whole scalar the line writes (None otherwise), `key` the mapping
    key the line writes before it, and `reads` every values path its expressions read."""

    sole: ValuePath | None
    key: str | None
    reads: tuple[ValuePath, ...]


_NOTHING = Line(None, None, ())


class _Template:
    """One template text, read once: its aliases and, lazily, each line."""

    def __init__(self, text: str):
        self.text = text
        self.lines: dict[int, Line] = {}
        try:
            self.tree: nodes.Template | None = _PARSER.parse(text)
            self.tokens = list(_PARSER.lex(text))
        except TemplateSyntaxError:
            self.tree, self.tokens = None, []
        self.aliases = _aliases(self.tree) if self.tree is not None else {}
        self.bound = _bound_names(self.tree) if self.tree is not None else set()

    def line(self, number: int) -> Line:
        found = self.lines.get(number)
        if found is None:
            found = self.lines[number] = self._read(number)
        return found

    def _read(self, number: int) -> Line:
        if self.tree is None:
            return _NOTHING
        exprs = [child for out in self.tree.find_all(nodes.Output) for child in out.nodes
                 if not isinstance(child, nodes.TemplateData) and child.lineno == number]
        reads = tuple(dict.fromkeys(p for e in exprs for p in self._reads(e)))
        shape = _shape(self.tokens, number)
        if shape is None or len(exprs) != 1:
            return Line(None, None, reads)
        key = shape
        return Line(self._chain(_unfiltered(exprs[0])), key or None, reads)

    def _chain(self, node: nodes.Node | None) -> ValuePath | None:
        return _chain(node, self.aliases, self.bound)

    def _reads(self, node: nodes.Node) -> list[ValuePath]:
        path = self._chain(node)
        if path is not None:
            return [path]
        return [p for child in node.iter_child_nodes() for p in self._reads(child)]


def _chain(node: nodes.Node | None, aliases: dict[str, ValuePath], bound: set[str]) -> ValuePath | None:
    """`values.a.b`, `values['a'][0]` or `alias.b` as a values path; None otherwise."""
    steps: list[str | int] = []
    while node is not None:
        if isinstance(node, nodes.Getattr):
            steps.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and \
                isinstance(node.arg.value, (str, int)) and not isinstance(node.arg.value, bool):
            steps.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name == "values" and "values" not in bound:
                return tuple(reversed(steps))
            base = aliases.get(node.name)
            return None if base is None else base + tuple(reversed(steps))
        else:
            return None
    return None


def _unfiltered(node: nodes.Node) -> nodes.Node | None:
    """The expression under its filters, when every filter argument is a constant (a filter
    that reads another value, `default(values.b)`, makes the line mix two)."""
    while isinstance(node, nodes.Filter):
        args = list(node.args) + [kw.value for kw in node.kwargs]
        if node.node is None or node.dyn_args is not None or node.dyn_kwargs is not None or \
                not all(isinstance(a, nodes.Const) for a in args):
            return None
        node = node.node
    return node


def _bound_names(tree: nodes.Template) -> set[str]:
    """Names bound anywhere other than by one `{% set %}`: loop targets, macro and call
    arguments, `with` targets, block sets (each may hold another value per use)."""
    bound: set[str] = set()
    for node in tree.find_all((nodes.For, nodes.Macro, nodes.CallBlock, nodes.With,
                               nodes.AssignBlock)):
        targets: list[nodes.Node] = []
        if isinstance(node, nodes.For):
            targets.append(node.target)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            targets.extend(node.args)
        elif isinstance(node, nodes.With):
            targets.extend(node.targets)
        elif isinstance(node, nodes.AssignBlock):
            targets.append(node.target)
        for target in targets:
            bound.update(n.name for n in target.find_all(nodes.Name))
            if isinstance(target, nodes.Name):
                bound.add(target.name)
    return bound


def _aliases(tree: nodes.Template) -> dict[str, ValuePath]:
    """`{% set svc = values.services.user %}`: names set once, to a values path (possibly
    through an earlier alias)."""
    assigns = list(tree.find_all(nodes.Assign))
    count: dict[str, int] = {}
    for node in assigns:
        for inner in node.target.find_all(nodes.Name):
            count[inner.name] = count.get(inner.name, 0) + 1
        if isinstance(node.target, nodes.Name):
            count[node.target.name] = count.get(node.target.name, 0) + 1
    bound = _bound_names(tree)
    pending = {a.target.name: a.node for a in assigns if isinstance(a.target, nodes.Name)
               and count[a.target.name] == 1 and a.target.name not in bound
               and a.target.name != "values"}
    out: dict[str, ValuePath] = {}
    while pending:
        done = {name: path for name, expr in pending.items()
                for path in [_chain(expr, out, bound)] if path is not None}
        if not done:
            break
        out.update(done)
        for alias in done:
            del pending[alias]
    return out


def _shape(tokens: list[tuple[int, str, str]], number: int) -> str | None:
    """The key the line writes before its one expression ("" for none: a list item or a
    value alone on its line), when that expression is the whole scalar the line writes;
    None when the line holds a block tag, a multi-line tag, a literal beside the expression
    or more than one expression."""
    text: list[str] = []
    inside: str | None = None       # the kind of tag being read
    begun = 0
    for lineno, kind, value in tokens:
        if inside is not None:
            if kind in ("variable_end", "block_end", "comment_end", "raw_end"):
                if begun == number and lineno != number:
                    return None
                if lineno == number and begun != number:
                    return None
                inside = None
            continue
        if kind == "data":
            for i, piece in enumerate(value.split("\n")):
                if lineno + i == number:
                    text.append(piece)
            continue
        if kind in ("variable_begin", "block_begin", "comment_begin", "raw_begin"):
            inside, begun = kind, lineno
            if lineno == number:
                if kind == "variable_begin":
                    text.append(_PLACEHOLDER)
                elif kind != "comment_begin":
                    return None
            continue
    line = "".join(text).strip()
    while line.startswith("- ") or line == "-":
        line = line[1:].strip()
    if line in (_PLACEHOLDER, f'"{_PLACEHOLDER}"', f"'{_PLACEHOLDER}'"):
        return ""
    try:
        data = yaml.load(line, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    if isinstance(data, dict) and len(data) == 1:
        (key, value), = data.items()
        if isinstance(key, str) and value == _PLACEHOLDER and line.count(_PLACEHOLDER) == 1:
            return key
    return None


# ---- the link ---------------------------------------------------------------------------

_LOCK = threading.Lock()
_TEMPLATES: "OrderedDict[str, _Template]" = OrderedDict()
_MAX_TEMPLATES = 512


def template_of(text: str) -> _Template:
    with _LOCK:
        found = _TEMPLATES.get(text)
        if found is not None:
            _TEMPLATES.move_to_end(text)
            return found
    made = _Template(text)
    with _LOCK:
        _TEMPLATES[text] = made
        while len(_TEMPLATES) > _MAX_TEMPLATES:
            _TEMPLATES.popitem(last=False)
    return made


def value_origin(text: str, line: int, field: tuple[_Step, ...], scalar: str,
                 values: Any) -> tuple[str, SourceRef] | None:
    """(the values key, spelled as `lamina values` spells it, and where it was set) when
    template line `line` of `text` wrote field `field` as the one values leaf that holds
    `scalar` (the rendered text of the field's value); None when the line wrote anything
    else as well. Origins name files as `values` does (see `origin_path`)."""
    shape = template_of(text).line(line)
    if shape.sole is None or not field:
        return None
    data = getattr(values, "data", None)
    origins = getattr(values, "origins", None)
    if data is None or origins is None:
        return None
    found: tuple[ValuePath, Any] | None = None
    # The field is the expression's value itself, or a leaf inside the map or list it wrote.
    for cut in range(len(field), -1, -1):
        if shape.key is not None and (cut == 0 or field[cut - 1] != shape.key):
            continue
        if cut < len(field) and not isinstance(_leaf(data, shape.sole), (dict, list)):
            continue
        path = _concrete(data, shape.sole, field[cut:])
        if path is None:
            continue
        leaf = _leaf(data, path)
        if not _same(scalar, leaf):
            continue
        if found is not None and found[0] != path:
            return None         # two leaves could have written it: no guess
        found = (path, leaf)
    if found is None:
        return None
    origin = origins.get(found[0])
    if origin is None:
        return None
    return format_path(found[0]), origin_path(origin, values)


def line_reads(text: str, line: int, values: Any) -> tuple[tuple[str, SourceRef], ...]:
    """Every values key template line `line` of `text` reads, with where each was set (for
    `lamina explain` on a line that mixes values or literals)."""
    origins = getattr(values, "origins", None) or {}
    out: list[tuple[str, SourceRef]] = []
    for path in template_of(text).line(line).reads:
        origin = origins.get(path)
        if origin is not None:
            out.append((format_path(path), origin_path(origin, values)))
    return tuple(out)


def origin_path(origin: SourceRef, values: Any) -> SourceRef:
    """A values origin with its file as an absolute path when the values know the folder the
    build's paths are relative to (`root`); flags (`--set`) as they are."""
    root = getattr(values, "root", "")
    if not root or not origin.path or origin.path.startswith(("-", "<")) or os.path.isabs(origin.path):
        return origin
    return SourceRef(os.path.normpath(os.path.join(root, origin.path)), origin.line, origin.column)


def _concrete(data: Any, base: ValuePath, steps: tuple[_Step, ...]) -> ValuePath | None:
    """`base` + `steps` as a values path (`(name, web)` steps as list indexes); None when the
    values do not hold it."""
    node = _leaf(data, base)
    path = list(base)
    for step in steps:
        if isinstance(step, tuple):
            if not isinstance(node, list):
                return None
            index = next((i for i, item in enumerate(node) if isinstance(item, dict)
                          and _text(item.get(step[0])) == step[1]), None)
            if index is None:
                return None
            path.append(index)
            node = node[index]
        elif isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            path.append(step)
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            path.append(step)
            node = node[step]
        else:
            return None
    return tuple(path)


_MISSING = object()


def _leaf(data: Any, path: ValuePath) -> Any:
    node = data
    for step in path:
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return _MISSING
    return node


def _text(value: Any) -> str:
    """A scalar as the rendered YAML spells it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def _same(scalar: str, leaf: Any) -> bool:
    """Whether `scalar` (a rendered field's text) is the leaf's value written out."""
    if isinstance(leaf, bool):
        return scalar.lower() == ("true" if leaf else "false")
    if leaf is None:
        return scalar in ("", "~", "null", "Null", "NULL")
    if isinstance(leaf, (int, float)):
        if scalar == str(leaf):
            return True
        try:
            return float(scalar) == float(leaf)
        except ValueError:
            return False
    return isinstance(leaf, str) and scalar == leaf
