"""The Jinja2 environment lamina renders with: immutable sandbox, strict undefined, limits.

One environment per render: it carries that render's limits and the map from value
objects to their paths (for "missing value image.tag" errors), so nothing is shared
between renders. File access is impossible (no loader); ``lipsum`` is removed; string and
list growth is checked before it happens (``*``, ``+``, ``%``, ``~``, method calls, filters)
so one expression cannot allocate more than the output limit.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from jinja2 import StrictUndefined, Undefined
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lamina.templates.errors import TemplateError
from lamina.templates.filters import LAMINA_FILTERS
from lamina.templates.output import finalize
from lamina.templates.paths import ValuePath

_MAX_INT_BITS = 100_000
_BIG_WIDTH = re.compile(r"\d{8,}")
# Filters whose numeric arguments are widths or counts of characters to produce.
_WIDTH_FILTERS = frozenset({"center", "indent", "nindent", "truncate", "wordwrap", "format"})


@dataclass(frozen=True)
class RenderLimits:
    """How long one template may render and how much text it may produce."""

    timeout_seconds: float = 10.0
    max_output_chars: int = 16_000_000


class RenderLimitError(TemplateError):
    """A template that exceeded the render time or output size limit."""


class MissingValueError(UndefinedError):
    """A template read a values path that is not set; carries the path for the message."""

    def __init__(self, path: ValuePath):
        super().__init__(f"missing value {path}")
        self.path = path


class _MissingParent:
    """Stands for a values path that is not set, so that reading below it
    (``values.a.b | default(1)`` with no ``a``) is undefined too, not an error."""

    __slots__ = ("path",)

    def __init__(self, path: ValuePath):
        self.path = path


class ValuesUndefined(StrictUndefined):
    """StrictUndefined that knows which values path was missing (``values_paths`` per render)."""

    __slots__ = ()
    values_paths: Mapping[int, ValuePath] = MappingProxyType({})

    @property
    def value_path(self) -> ValuePath | None:
        if self._undefined_name is None:
            return None     # (a _MissingParent is always made with a name)
        if isinstance(self._undefined_obj, _MissingParent):
            return self._undefined_obj.path + (self._undefined_name,)
        parent = self.values_paths.get(id(self._undefined_obj))
        if parent is None:
            return None
        return parent + (self._undefined_name,)

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        # A hint means the sandbox refused the access (unsafe attribute): report that instead.
        path = self.value_path if self._undefined_hint is None else None
        if path is not None:
            raise MissingValueError(path)
        return super()._fail_with_undefined_error(*args, **kwargs)


# Jinja binds its operator methods to the base class's function object; point them at ours.
for _cls in (Undefined, StrictUndefined):
    for _name, _attr in list(vars(_cls).items()):
        if _attr is Undefined._fail_with_undefined_error and _name.startswith("__"):
            setattr(ValuesUndefined, _name, ValuesUndefined._fail_with_undefined_error)


class _LineOnly:
    """Stands in for a node so the code generator records a template line for a yield."""

    def __init__(self, lineno: int):
        self.lineno = lineno


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator with two changes: ``~`` goes through the size guard, and each
    constant output records the template line of every output line it holds, so rendered
    output can be mapped back to template lines (Jinja records lines only for expressions).

    This leans on Jinja 3.1's generator internals (``_output_child_to_const``,
    ``_output_const_repr``, ``writeline``); the line-mapping tests fail if they change.
    """

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        self._const_groups: list[list[tuple[int, str, bool]]] = []
        self._in_const = False
        super().visit_Output(node, frame)

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> str:
        try:
            value = super()._output_child_to_const(node, frame, finalize)
        except BaseException:
            self._in_const = False
            raise
        if not self._in_const:
            self._const_groups.append([])
        self._const_groups[-1].append((node.lineno, value, isinstance(node, nodes.TemplateData)))
        self._in_const = True
        return value

    def _output_const_repr(self, group: Any) -> str:
        parts = self._const_groups.pop(0) if self._const_groups else []
        self._pending_lines = _segment_lines(parts) if parts else None
        return super()._output_const_repr(group)

    def writeline(self, x: str, node: Any = None, extra: int = 0) -> None:
        pending = getattr(self, "_pending_lines", None)
        self._pending_lines = None
        if node is None and pending and x.startswith("yield "):
            # Jinja reads only `.lineno` of the node it is given here.
            super().writeline(x, _LineOnly(pending[0]), extra)  # type: ignore[arg-type]
            assert isinstance(self.environment, LaminaSandbox)  # its code_generator_class
            self.environment.constant_yield_lines[self.code_lineno] = pending
            return
        super().writeline(x, node, extra)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.guarded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _segment_lines(parts: list[tuple[int, str, bool]]) -> tuple[int, ...]:
    """For constant text joined from template data (and folded constant expressions): the
    template line of each of its newline-separated segments. Text of different template
    data pieces can sit in one constant when only a comment separated them."""
    lines = [parts[0][0]]
    for lineno, text, is_data in parts:
        for k in range(1, text.count("\n") + 1):
            lines.append(lineno + k if is_data else lineno)
    return tuple(lines)


class LaminaSandbox(ImmutableSandboxedEnvironment):
    """The environment for one render."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: RenderLimits, values_paths: dict[int, ValuePath]):
        undefined = type("ValuesUndefined", (ValuesUndefined,), {"__slots__": (), "values_paths": values_paths})
        super().__init__(undefined=undefined, autoescape=False, keep_trailing_newline=True, finalize=finalize)
        self.limits = limits
        # Python line of each constant ``yield`` -> template line of each output line in it.
        self.constant_yield_lines: dict[int, tuple[int, ...]] = {}
        del self.globals["lipsum"]
        for name, func in list(self.filters.items()):
            self.filters[name] = self._guard_filter(name, func)
        for name, func in LAMINA_FILTERS.items():
            self.filters[name] = self._guard_filter(name, func)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``values.items`` is the key ``items`` when the map has one, not dict.items:
        values are data first (Jinja looks up attributes before keys)."""
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        below = self._below_missing(obj, attribute)
        return below if below is not None else super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        below = self._below_missing(obj, argument)
        return below if below is not None else super().getitem(obj, argument)

    def _below_missing(self, obj: Any, key: Any) -> Any:
        """Below a missing value, still undefined (naming the whole path) rather than an
        error, so ``default`` and ``is defined`` work on nested optional values."""
        if not isinstance(obj, ValuesUndefined) or obj._undefined_hint is not None:
            return None
        if not isinstance(key, (str, int)) or isinstance(key, bool) or str(key).startswith("__"):
            return None
        path = obj.value_path
        if path is None:
            return None
        # An int key is a list index; Jinja's own getitem passes such keys as the name too.
        return self.undefined(obj=_MissingParent(path), name=key)  # type: ignore[arg-type]

    def check_size(self, size: int) -> None:
        if size > self.limits.max_output_chars:
            raise RenderLimitError(
                f"a value of {size} characters exceeds the output limit of {self.limits.max_output_chars}: "
                "check the template for a runaway repeat or loop"
            )

    def guarded_concat(self, parts: tuple[Any, ...]) -> str:
        pieces = [str(p) for p in parts]
        self.check_size(sum(len(p) for p in pieces))
        return "".join(pieces)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        sequences = (str, list, tuple)
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, sequences) and isinstance(times, int):
                    self.check_size(len(seq) * max(times, 0))
        elif operator == "+" and isinstance(left, sequences) and isinstance(right, sequences):
            self.check_size(len(left) + len(right))
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right * math.log2(abs(left)) > _MAX_INT_BITS:
                raise RenderLimitError(f"{left} ** {right} is too large a number")
        elif operator == "%" and isinstance(left, str):
            self._check_widths(left, right if isinstance(right, tuple) else (right,), {})
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            __self._check_widths(owner, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, (str, list, tuple)):
            __self.check_size(len(result))
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format reaches templates through this wrapper; check its widths first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = value.__self__

        def guarded(*args: Any, **kwargs: Any) -> str:
            self._check_widths(text, args, kwargs)
            return wrapped(*args, **kwargs)

        return guarded

    def _check_widths(self, text: str, args: tuple, kwargs: dict) -> None:
        """Refuse padding widths that would build a string beyond the output limit."""
        mappings = [a.values() for a in args if isinstance(a, dict)]  # format_map's argument
        for arg in (*args, *kwargs.values(), *(v for m in mappings for v in m)):
            if isinstance(arg, int) and not isinstance(arg, bool):
                self.check_size(arg)
        if _BIG_WIDTH.search(text) and ("%" in text or "{" in text):
            raise RenderLimitError("format widths of 8 or more digits are not allowed")

    def _guard_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        # The value being filtered comes after context/environment for pass_* filters.
        skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
        widths = name in _WIDTH_FILTERS

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if widths and len(args) > skip:
                value = args[skip]
                self._check_widths(value if isinstance(value, str) else "", args[skip + 1 :], kwargs)
            result = func(*args, **kwargs)
            if isinstance(result, (str, list, tuple)):
                self.check_size(len(result))
            return result

        return guarded
