"""Which parts of its variables a CEL expression can read, so only those are handed to CEL.

Handing a Python object to the CEL library converts all of it (about 14 µs a field), and
selecting a field copies the field's whole value: a Deployment costs about 1 ms to hand
over, most of it for fields no policy reads. A Shape is what a set of expressions may
read of each root variable (`object`, `request`, `params`...), worked out from their
text: every selection chain (`object.spec.template.spec.containers`) and the elements a
macro iterates over (`.all(c, c.image...)` reads `image` of each container). prune()
keeps exactly those parts, so every expression sees the same values, the same missing
fields and the same errors as with the whole object.

It errs on the side of keeping: a root used any other way (passed whole to a function,
indexed with `[...]`, an expression the scanner does not understand) is kept whole.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

ROOTS = ("object", "oldObject", "request", "params", "namespaceObject")
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<str>(?:[rR][bB]?|[bB][rR]?)?(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
            |'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
  | (?P<num>0[xX][0-9a-fA-F]+[uU]?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<punct>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
""", re.X | re.S)

WHOLE = "whole"      # a trie node's marker: keep this value as it is
ANY = "*"            # a trie step: every element of a list


class _Unknown(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _Unknown(text[pos:pos + 10])
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "space":
            out.append((kind, m.group(0)))
    out.append(("end", ""))
    return out


def _literal(token: str) -> str | None:
    """A plain single- or double-quoted string literal's value (None for anything else)."""
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"" and "\\" not in token \
            and not token.startswith(("'''", '"""')):
        return token[1:-1]
    return None


def _close(toks: list[tuple[str, str]], i: int) -> int:
    """The index of the ')' matching the '(' at i."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][1] in "([{" and toks[j][0] == "punct":
            depth += 1
        elif toks[j][1] in ")]}" and toks[j][0] == "punct":
            depth -= 1
            if depth == 0:
                return j
    raise _Unknown("unbalanced")


def paths(expression: str) -> list[tuple[tuple[str, ...], bool]]:
    """Every path the expression reads, each starting with its root variable, and whether
    it may read the value there whole (False: a macro iterates over it, and what it reads
    of each element is listed under ANY). Raises _Unknown."""
    toks = _tokens(expression)
    found: list[tuple[tuple[str, ...], bool]] = []
    scopes: list[tuple[int, dict[str, tuple[str, ...] | None]]] = []

    def bound(name: str) -> tuple[bool, tuple[str, ...] | None]:
        for _end, names in reversed(scopes):
            if name in names:
                return True, names[name]
        return False, None

    def chain(i: int) -> tuple[tuple[str, ...] | None, int]:
        kind, value = toks[i]
        if kind != "id":
            return None, i
        if value == "__opt_field" and toks[i + 1][1] == "(":
            inner, j = chain(i + 2)
            name = _literal(toks[j + 1][1]) if inner is not None and toks[j][1] == "," else None
            if inner is None or name is None or toks[j + 2][1] != ")":
                return None, i
            path, j = (*inner, name), j + 3
        else:
            is_bound, path_or_none = bound(value)
            if is_bound:
                if path_or_none is None:
                    return None, i
                path = path_or_none
            elif value in ROOTS:
                path = (value,)
            else:
                return None, i
            j = i + 1
        while toks[j][1] == "." and toks[j + 1][0] == "id" and toks[j + 2][1] != "(":
            path, j = (*path, toks[j + 1][1]), j + 2
        return path, j

    i = 0
    while toks[i][0] != "end":
        while scopes and scopes[-1][0] < i:
            scopes.pop()
        if toks[i][0] == "punct" and toks[i][1] == "`":
            raise _Unknown("quoted field")
        if toks[i][0] != "id" or (i and toks[i - 1][1] == "."):
            i += 1
            continue
        path, j = chain(i)
        if path is None:
            i += 1
            continue
        if toks[j][1] == "." and toks[j + 1][1] in _MACROS and toks[j + 2][1] == "(" \
                and toks[j + 3][0] == "id" and toks[j + 4][1] == ",":
            end = _close(toks, j + 2)
            if toks[j + 5][0] == "id" and toks[j + 6][1] == ",":
                # Two-variable comprehension (index/key and value): keep the target whole.
                found.append((path, True))
                scopes.append((end, {toks[j + 3][1]: None, toks[j + 5][1]: None}))
                i = j + 7
            else:
                found.append(((*path, ANY), False))
                scopes.append((end, {toks[j + 3][1]: (*path, ANY)}))
                i = j + 5
            continue
        found.append((path, True))
        i = j
    return found


class Shape:
    """What a set of expressions may read of each root variable (a trie per root)."""

    def __init__(self) -> None:
        self.tries: dict[str, dict[str, Any]] = {}

    def add(self, expression: str) -> None:
        try:
            found = paths(expression)
        except _Unknown:
            found = [((root,), True) for root in ROOTS]
        self._insert(found)

    def _insert(self, found: list[tuple[tuple[str, ...], bool]]) -> None:
        for path, whole in found:
            node = self.tries.setdefault(path[0], {})
            for step in path[1:]:
                if node.get(WHOLE):
                    break
                node = node.setdefault(step, {})
            else:
                if whole:
                    node.clear()
                    node[WHOLE] = True

    def add_path(self, path: tuple[str, ...]) -> None:
        """A path read whole (from a caller's own analysis)."""
        self._insert([(path, True)])

    def extend(self, expressions: Iterable[str]) -> "Shape":
        for e in expressions:
            self.add(e)
        return self

    def reads(self, root: str) -> bool:
        return root in self.tries

    def prune(self, root: str, value: Any) -> Any:
        """`value` with only what the expressions may read of root (None when they never
        read the root)."""
        node = self.tries.get(root)
        return None if node is None else _prune(value, node)


def _prune(value: Any, node: dict[str, Any]) -> Any:
    if node.get(WHOLE) or not node:
        return value
    if isinstance(value, dict):
        if ANY in node:           # a macro over a map binds its keys: keep it whole
            return value
        return {k: _prune(value[k], child) for k, child in node.items() if k in value}
    if isinstance(value, list):
        child = node.get(ANY)
        if child is None or len(node) > 1:
            return value          # a field of a list: the same error either way
        return [_prune(e, child) for e in value]
    return value
