"""Rendering one ``.j2`` file with the merged values, and checking that the result is YAML.

Templates see one name, ``values``: the merged (and schema-defaulted) values. Errors carry
the template file and line: for exceptions, from the innermost template frame of the
traceback; for invalid YAML in the output, through a line map recorded while rendering
(every output line knows the template line its text came from, including loop bodies and
lines produced inside ``{% if %}``). An expression whose text spans several lines maps all of
them to the expression's line; text produced by macros maps to the line of the call.
"""

from __future__ import annotations

import bisect
import difflib
import re
import types
from dataclasses import dataclass
from types import CodeType, MappingProxyType
from typing import Any, Callable, Mapping

import cachetools

import yaml
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from lamina.errors import LaminaError, SourceRef
from lamina.templates.deadline import RenderTimeout, time_limit
from lamina.templates.errors import TemplateError
from lamina.templates.filters import RequiredValueError
from lamina.templates.merge import MergedValues
from lamina.templates.output import Structure, block_yaml
from lamina.templates.rendered import RenderedText
from lamina.templates.paths import ValuePath, format_path
from lamina.templates.unclosed import unclosed_block
from lamina.templates.sandbox import LaminaSandbox, MissingValueError, RenderLimitError, RenderLimits
from lamina.templates.values import MAX_DEPTH, MAX_NODES
from lamina.templates.yaml_nodes import NestingTooDeep, expanded_size, find_duplicate_key

_NO_FILES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


@dataclass(frozen=True)
class _Compiled:
    code: CodeType
    constant_yield_lines: Mapping[int, tuple[int, ...]]


class TemplateCache:
    """Compiled templates by (path, text), for a build that renders the same base template for
    several overlays. Compiling costs far more than rendering; the cache holds no values."""

    def __init__(self, maxsize: int = 512):
        self._entries: cachetools.LRUCache[tuple[str, str], _Compiled] = cachetools.LRUCache(maxsize)

    def get(self, path: str, text: str) -> _Compiled | None:
        return self._entries.get((path, text))

    def put(self, path: str, text: str, compiled: _Compiled) -> None:
        self._entries[(path, text)] = compiled


def render_template(text: str, path: str, values: MergedValues, limits: RenderLimits = RenderLimits(),
                    cache: TemplateCache | None = None) -> RenderedText:
    """Render ``text`` (the contents of the template at ``path``); raises TemplateError."""
    env = LaminaSandbox(limits, _paths_of(values.data))
    compiled = cache.get(path, text) if cache is not None else None
    if compiled is None:
        compiled = _compile(env, text, path)
        if cache is not None:
            cache.put(path, text, compiled)
    env.constant_yield_lines = dict(compiled.constant_yield_lines)
    template = env.template_class.from_code(env, compiled.code, env.make_globals(None))
    context = template.new_context({"values": values.data})
    builder = _OutputBuilder(limits.max_output_chars)
    to_template_line = _line_lookup(template.debug_info)
    try:
        with time_limit(limits.timeout_seconds):
            generator = template.root_render_func(context)
            for chunk in generator:
                frame_line = _innermost(generator).gi_frame.f_lineno
                literal_lines = env.constant_yield_lines.get(frame_line)
                builder.add(chunk, to_template_line(frame_line), literal_lines)
    except BaseException as exc:  # noqa: B036 - RenderTimeout is a BaseException on purpose
        if not isinstance(exc, (Exception, RenderTimeout)):
            raise
        line = _template_line(exc, path, to_template_line) or builder.last_line
        raise _as_template_error(exc, values, limits, SourceRef(path, line)) from None
    return RenderedText(builder.text(), tuple(builder.line_map), text, values)


# PyYAML contexts whose mark is where the unclosed construct began: a better line than
# where the parser gave up (often the next key, lines later).
_OPENED_ON_ITS_LINE = ("while parsing a flow", "while scanning a quoted scalar")


def check_rendered_yaml(text: str, template_path: str) -> list[Any]:
    """Parse rendered output into its documents; raise TemplateError at the template line of
    invalid YAML, a duplicate key, an alias bomb or absurd nesting.

    Uses the line map of a RenderedText; for plain strings, assumes output line = template
    line (true when no loop, condition or multi-line expression changed the line count).
    """
    def where(output_line: int) -> SourceRef:
        line = text.template_line(output_line) if isinstance(text, RenderedText) else output_line
        return SourceRef(template_path, line)

    def shown(output_line: int) -> str:
        lines = str(text).split("\n")
        return lines[output_line - 1].strip() if output_line <= len(lines) else ""

    loader = _CheckLoader(str(text))
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            assert node is not None   # check_node() said a document follows
            _check_document(node, where, shown)
            documents.append(loader.construct_document(node))
        return documents
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and str(exc.context).startswith(_OPENED_ON_ITS_LINE):
            mark = exc.context_mark    # an unclosed `[`, `{` or quote: where it was opened
        out_line = (mark.line + 1) if mark else 1
        raise TemplateError(
            f"rendered template is not valid YAML: {exc.problem or exc.context} "
            f"(rendered line {out_line}: {shown(out_line)!r})",
            where(out_line),
        ) from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"rendered template is not valid YAML: {exc}", SourceRef(template_path)) from None
    finally:
        loader.dispose()


class _CheckLoader(yaml.CSafeLoader):
    """Kustomize keeps tags it does not know (`!Ref x` reads as its plain value); so does this."""


def _construct_untagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    assert isinstance(node, yaml.ScalarNode)   # the third and last kind of node
    return loader.construct_scalar(node)


_CheckLoader.add_constructor(None, _construct_untagged)


def _check_document(node: yaml.Node, where: Callable[[int], SourceRef], shown: Callable[[int], str]) -> None:
    try:
        size = expanded_size(node, MAX_DEPTH)
    except NestingTooDeep as exc:
        line = exc.node.start_mark.line + 1
        raise TemplateError(f"rendered YAML is nested deeper than {MAX_DEPTH} levels", where(line)) from None
    if size > MAX_NODES:
        raise TemplateError(f"rendered YAML has more than {MAX_NODES} nodes once aliases are expanded "
                            "(an alias bomb?)", where(node.start_mark.line + 1))
    duplicate = find_duplicate_key(node)
    if duplicate:
        first, again = (n.start_mark.line + 1 for n in duplicate)
        raise TemplateError(f"rendered YAML repeats the key {duplicate[1].value!r} (rendered line {again}: "
                            f"{shown(again)!r}; first at rendered line {first})", where(again))


_BLOCK_SCALAR_HEADER = re.compile(r"(?:^|[:\-]\s|^---\s)[|>][0-9+-]{0,2}\s*(?:#.*)?$")


class _OutputBuilder:
    """Joins output chunks, enforcing the size limit and recording the line map.

    A map or list expression (``Structure``) that stands alone on its line, outside a block
    scalar and a multi-line flow collection, is written as block YAML at that line's
    indentation, so it can sit among sibling keys or list items; elsewhere it stays one line
    of flow YAML. Deciding "alone" needs the text after it, so it is held until then.
    """

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.parts: list[str] = []
        self.size = 0
        self.line_map: list[int] = []
        self.line_open = False  # the current output line already has a map entry
        self.last_line: int | None = None
        self.current: list[str] = []        # text of the current output line so far
        self.scalar_indent: int | None = None  # inside a block scalar whose key is at this column
        self.flow_open = False              # the last finished line ends inside a flow collection
        self.held: tuple[Structure, int, list[tuple[str, int, tuple[int, ...] | None]]] | None = None

    def add(self, chunk: str, line: int, literal_lines: tuple[int, ...] | None) -> None:
        """``literal_lines``: for constant template text, the template line of each of its
        lines; None for an expression's output, whose lines all belong to its own line."""
        self.size += len(chunk)
        self.last_line = line
        if self.size > self.max_chars:
            raise RenderLimitError(f"output exceeds the limit of {self.max_chars} characters")
        if self.held is not None:
            structure, at, after = self.held
            rest = chunk.lstrip(" \t")
            if not rest and not isinstance(chunk, Structure):
                after.append((chunk, line, literal_lines))   # still only blanks after it
                return
            self.held = None
            self._emit(self._spliced(structure) if rest.startswith(("\n", "\r")) else structure, at, None)
            for text, text_line, text_literal in after:
                self._emit(text, text_line, text_literal)
        if (isinstance(chunk, Structure) and isinstance(chunk.value, (dict, list, tuple)) and chunk.value
                and not "".join(self.current).strip(" \t")):
            if self.scalar_indent is None and not self.flow_open:
                self.held = (chunk, line, [])
                return
            if self.scalar_indent is not None and "\n" in chunk:
                # `toyaml` text at the start of a line inside a block scalar: indent every
                # line to the first one's column, so the scalar does not end early.
                chunk = chunk.replace("\n", "\n" + "".join(self.current))
        self._emit(chunk, line, literal_lines)

    def _spliced(self, structure: Structure) -> str:
        return block_yaml(structure.value, len("".join(self.current)))

    def _emit(self, chunk: str, line: int, literal_lines: tuple[int, ...] | None) -> None:
        self.parts.append(chunk)
        pieces = chunk.split("\n")
        for i, piece in enumerate(pieces):
            if i > 0:
                self.line_open = False
                self._line_done("".join(self.current))
                self.current = []
            self.current.append(piece)
            if literal_lines:
                line = literal_lines[min(i, len(literal_lines) - 1)]
            if not self.line_open and (piece or i < len(pieces) - 1):
                self.line_map.append(line)
                self.line_open = True

    def _line_done(self, text: str) -> None:
        """Track whether the next line is inside a block scalar or a flow collection."""
        content = text.strip()
        if not content or content.startswith("#"):
            return
        indent = len(text) - len(text.lstrip(" "))
        if self.scalar_indent is not None:
            if indent > self.scalar_indent:
                return
            self.scalar_indent = None
        if _BLOCK_SCALAR_HEADER.search(content):
            self.scalar_indent = len(text) - len(text.lstrip(" -"))
            self.flow_open = False
            return
        self.flow_open = content.endswith(("[", "{", ","))

    def text(self) -> str:
        if self.held is not None:
            structure, at, after = self.held
            self.held = None
            self._emit(self._spliced(structure), at, None)
            for text, text_line, text_literal in after:
                self._emit(text, text_line, text_literal)
        return "".join(self.parts)


def _line_lookup(debug_info: list[tuple[int, int]]) -> Callable[[int], int]:
    """Python line -> template line, like Template.get_corresponding_lineno but computed once
    (Jinja re-parses its debug string on every call)."""
    code_lines = [code for _, code in debug_info]
    template_lines = [tmpl for tmpl, _ in debug_info]

    def lookup(code_line: int) -> int:
        i = bisect.bisect_right(code_lines, code_line) - 1
        return template_lines[i] if i >= 0 else 1

    return lookup


def _innermost(generator: Any) -> Any:
    """Blocks render through ``yield from``; their frames carry the line."""
    while isinstance(getattr(generator, "gi_yieldfrom", None), types.GeneratorType):
        generator = generator.gi_yieldfrom
    return generator


def _template_line(exc: BaseException, path: str, to_template_line: Callable[[int], int]) -> int | None:
    """The line of the innermost template frame in the traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = to_template_line(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _compile(env: LaminaSandbox, text: str, path: str) -> _Compiled:
    try:
        tree = env.parse(text, name=path, filename=path)
    except TemplateSyntaxError as exc:
        opened = unclosed_block(env, text) if "Unexpected end of template" in str(exc.message) else None
        if opened is not None:
            tag, line = opened
            raise TemplateError(f"template syntax error: the {{% {tag} %}} on this line is never "
                                f"closed; add {{% end{tag} %}} where it should end",
                                SourceRef(path, line)) from None
        raise TemplateError(f"template syntax error: {exc.message}; check the {{{{ }}}} and {{% %}} "
                            "tags on this line (each must be closed)", SourceRef(path, exc.lineno)) from None
    for node in tree.find_all(_NO_FILES):
        raise TemplateError("templates cannot include, import or extend other files: define what "
                            "you share in this file (a {% macro %}) or put it in a values file",
                            SourceRef(path, node.lineno))
    try:
        code = env.compile(tree, name=path, filename=path)
    except TemplateSyntaxError as exc:  # TemplateAssertionError: an unknown filter or test
        raise TemplateError(f"template error: {exc.message}{_known_name(env, str(exc.message))}",
                            SourceRef(path, exc.lineno)) from None
    return _Compiled(code, MappingProxyType(dict(env.constant_yield_lines)))


def _known_name(env: LaminaSandbox, message: str) -> str:
    """`; did you mean 'to_yaml'?` (or the list of filters or tests) after Jinja's
    "No filter named 'x'." / "No test named 'x'."."""
    import re
    m = re.match(r"No (filter|test) named '([^']*)'", message)
    if m is None:
        return ""
    known = sorted(env.filters if m.group(1) == "filter" else env.tests)
    close = difflib.get_close_matches(m.group(2), known, n=1)
    if close:
        return f" Did you mean '{close[0]}'?"
    return f" Use one of: {', '.join(known)}"


def _as_template_error(exc: BaseException, values: MergedValues, limits: RenderLimits, where: SourceRef) -> LaminaError:
    # The values files the message names are moved to the project root by the error's
    # located() (templates/errors.py).
    return _template_error(exc, values, limits, where)


def _template_error(exc: BaseException, values: MergedValues, limits: RenderLimits, where: SourceRef) -> LaminaError:
    if isinstance(exc, RequiredValueError):
        text = exc.message
        text = f"{text[:-1]}; {_consulted(values)})" if text.endswith(")") else f"{text} ({_consulted(values)})"
        return TemplateError(text, exc.source or where, values.sources)
    if isinstance(exc, LaminaError):
        return type(exc)(exc.message, exc.source or where)
    if isinstance(exc, MissingValueError):
        return TemplateError(f"missing value {format_path(exc.path)}{_suggestion(values.data, exc.path)} "
                             f"({_consulted(values)})", where, values.sources)
    if isinstance(exc, RenderTimeout):
        return RenderLimitError(f"rendering took longer than {limits.timeout_seconds:g}s", where)
    if isinstance(exc, RecursionError):
        # Runaway macro recursion hits Python's stack before the clock on a fast machine:
        # the same kind of limit, reported the same way.
        return RenderLimitError("template recursion is too deep (a macro that never stops?)", where)
    if isinstance(exc, UndefinedError):
        return TemplateError(f"undefined: {exc.message}", where)
    if isinstance(exc, SecurityError):
        return TemplateError(f"not allowed in a lamina template: {exc}", where)
    if isinstance(exc, TypeError):
        # A value of the wrong type for the expression (a string where a number is added...).
        return TemplateError(f"a value has the wrong type for this expression ({exc}): check "
                             f"the types of the values it uses ({_consulted(values)})", where,
                             values.sources)
    return TemplateError(f"{type(exc).__name__}: {exc}", where)


def _suggestion(data: Any, path: ValuePath) -> str:
    """``; did you mean image.tag?`` when a sibling key is spelled almost the same."""
    parent = data
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return ""
    if not isinstance(parent, dict) or not isinstance(path[-1], str):
        return ""
    close = difflib.get_close_matches(path[-1], [k for k in parent if isinstance(k, str)], n=1)
    return f"; did you mean {format_path(path[:-1] + (close[0],))}?" if close else ""


def _consulted(values: MergedValues) -> str:
    if not values.sources:
        return "no values files were given"
    return "values files consulted: " + ", ".join(values.sources)


def _paths_of(data: Any, at: ValuePath = (), out: dict[int, ValuePath] | None = None) -> dict[int, ValuePath]:
    """id() of every map and list in the values -> its path, to name missing keys."""
    out = {} if out is None else out
    if isinstance(data, (dict, list)):
        out.setdefault(id(data), at)
        items = data.items() if isinstance(data, dict) else enumerate(data)
        for key, value in items:
            _paths_of(value, at + (key,), out)
    return out
