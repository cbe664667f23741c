"""CEL as Kubernetes evaluates it: the `common-expression-language` library plus the
Kubernetes extension libraries policies use (lists, regex, quantity, url, strings,
format, ip/cidr, math, sets).

Expressions are compiled once per text (cached by content). Every function an
expression calls is known before it runs: one that neither the library nor the
extensions below provide is a PolicyError naming it, never a silent pass.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any, Callable, Iterable

from lamina.policies import celoptional, celshape, k8sfuncs
from lamina.policies.model import MissingEngine, PolicyError

# Functions the CEL library itself provides (operators are '_x_' or '@x' and always known).
BUILTINS = frozenset({
    "size", "has", "all", "exists", "exists_one", "map", "filter", "matches", "startsWith",
    "endsWith", "contains", "int", "uint", "double", "string", "bytes", "bool", "type", "dyn",
    "duration", "timestamp", "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth",
    "getDate", "getDayOfWeek", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    "null_type",
})
# Kubernetes' namespaced functions (format.dns1123Label(), math.greatest(), sets.contains(),
# strings.quote()...) are spelt as plain names for the library: `format.x(` -> `__format_x(`.
_NAMESPACED = re.compile(r"(?<![\w.'\"])(format|math|sets|strings|lists|base64|optional)\.(\w+)\s*\(")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")      # not an operator ('_&&_', '!_', '@in')

_cel: Any = None


def library() -> Any:
    """The CEL library's compiled extension. Loaded by itself: the package's __init__ also
    imports its interactive shell (prompt_toolkit...), about a second of start-up that
    every render worker would pay."""
    global _cel
    if _cel is None and ("cel.cel" in sys.modules or "cel" in sys.modules):
        _cel = sys.modules.get("cel.cel") or sys.modules["cel"]      # loaded already: once only
    if _cel is None:
        import importlib.util
        import os
        spec = importlib.util.find_spec("cel")
        if spec is None or not spec.submodule_search_locations:
            raise MissingEngine("evaluating CEL needs the policy extra: "
                                "pip install 'lamina[policy]'")
        folder = list(spec.submodule_search_locations)[0]
        binary = next((f for f in sorted(os.listdir(folder))
                       if f.startswith("cel.") and f.endswith((".so", ".pyd"))), None)
        ext = importlib.util.spec_from_file_location("cel", os.path.join(folder, binary)) \
            if binary else None
        if ext is None or ext.loader is None:
            import cel
            _cel = cel
        else:
            module = importlib.util.module_from_spec(ext)
            ext.loader.exec_module(module)
            sys.modules["cel.cel"] = module      # a later `import cel` reuses it
            _cel = module
    return _cel


def rewrite(expression: str) -> str:
    text = _NAMESPACED.sub(lambda m: f"__{m.group(1)}_{m.group(2)}(", expression)
    return celoptional.rewrite(text)


class Compiled:
    """One compiled expression and the functions it calls."""

    def __init__(self, source: str, program: Any, functions: frozenset[str], text: str = ""):
        self.source = source
        self.program = program
        self.functions = functions
        self.text = text or source         # as compiled (namespaced calls, optionals rewritten)


_COMPILED: dict[str, Compiled] = {}


def compile_expression(expression: Any, where: str) -> Compiled:
    """The compiled form of `expression` (cached by its text); PolicyError naming `where`
    (the policy and field) and the expression when it does not parse or calls a
    function lamina does not provide."""
    found = _COMPILED.get(expression)
    if found is not None:
        return found
    cel = library()
    if not isinstance(expression, str) or not expression.strip():
        raise PolicyError(f"{where}: the expression is empty")
    try:
        text = rewrite(expression)
    except ValueError as exc:
        raise PolicyError(f"{where}: expression `{_short(expression)}` does not parse: {exc}") from None
    try:
        program = cel.compile(text)
    except Exception as exc:
        raise PolicyError(f"{where}: expression `{_short(expression)}` does not compile: "
                          f"{_first_line(exc)}") from None
    called = {f for f in program.functions() if _IDENT.match(f) and not f.endswith("_")}
    unknown = sorted(f for f in called if f not in BUILTINS and f not in k8sfuncs.FUNCTIONS)
    if unknown:
        shown = unknown[0][2:].replace("_", ".", 1) if unknown[0].startswith("__") else unknown[0]
        raise PolicyError(f"{where}: expression `{_short(expression)}` calls '{shown}', which "
                          "lamina does not support (its CEL provides the standard library and "
                          "Kubernetes' lists, regex, quantity, url, strings, format, ip, math "
                          "and sets libraries)")
    compiled = _COMPILED[expression] = Compiled(expression, program, frozenset(called), text)
    return compiled


def _short(expression: str) -> str:
    one = " ".join(str(expression).split())
    return one if len(one) <= 120 else one[:117] + "..."


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


class EvalError(Exception):
    """An expression failed at run time (missing field, wrong type...): the policy's
    failurePolicy decides what that means."""


class _Session:
    """One CEL context per process, every extension function registered once. Converting
    a Python object into CEL values is the costly part of an evaluation, so a variable is
    set again only when it is a different object: evaluating every policy over one object
    before moving to the next converts each object once."""

    def __init__(self) -> None:
        self.ctx = library().Context({})
        for name, fn in k8sfuncs.FUNCTIONS.items():
            self.ctx.add_function(name, fn)
        self.current: dict[str, Any] = {}

    def set(self, variables: dict[str, Any]) -> Any:
        for name, value in variables.items():
            if name not in self.current or self.current[name] is not value:
                self.ctx.add_variable(name, value)
                self.current[name] = value
        return self.ctx


_SESSION: _Session | None = None


def evaluate(compiled: Compiled, variables: dict[str, Any]) -> Any:
    """The expression's value; EvalError when it fails at run time. `variables` should
    keep the same objects from one call to the next where they do not change."""
    global _SESSION
    if _SESSION is None:
        _SESSION = _Session()
    ctx = _SESSION.set(variables)
    # The library prints a line to stderr when an extension function raises; the error
    # itself is what matters, and it is reported with the policy's name.
    saved, sys.stderr = sys.stderr, io.StringIO()
    try:
        return compiled.program.execute(ctx)
    except Exception as exc:
        text = _first_line(exc)
        if isinstance(exc, KeyError):
            text = f"no such key: {text}"
        raise EvalError(text) from None
    finally:
        sys.stderr = saved


def shape_of(compiled: Iterable[Compiled]) -> celshape.Shape:
    """What the expressions may read of their variables (celshape.py)."""
    return celshape.Shape().extend(c.text for c in compiled)


def pruned(shape: celshape.Shape, variables: dict[str, Any]) -> dict[str, Any]:
    """`variables` with only what `shape` reads of each root (the roots it never reads
    left out: the session keeps whatever they were, which nothing reads)."""
    return {name: (shape.prune(name, value) if name in celshape.ROOTS else value)
            for name, value in variables.items()
            if name not in celshape.ROOTS or shape.reads(name)}


def is_true(value: Any) -> bool:
    return value is True


Function = Callable[..., Any]
