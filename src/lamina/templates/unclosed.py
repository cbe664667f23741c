"""The block tag a template never closes, for a syntax error worth reading.

Jinja reports a missing `{% endfor %}` at the template's last line ("Unexpected end of
template"); the line that needs the fix is the one that opened the block. Jinja's own
lexer finds it: block tags are paired like brackets.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.exceptions import TemplateSyntaxError

# Tags that open a block closed by `end<tag>` (`set` only in its block form, without `=`).
_BLOCKS = {"for", "if", "macro", "call", "filter", "block", "with", "autoescape", "raw",
           "set", "trans"}


def unclosed_block(env: Environment, text: str) -> tuple[str, int] | None:
    """(tag, line) of the innermost block opened and never closed; None when the lexer
    finds none (or cannot read the text)."""
    stack: list[tuple[str, int]] = []
    tokens = iter(env.lex(text))
    try:
        for lineno, kind, value in tokens:
            if kind != "block_begin":
                continue
            inside = []
            for _l, k, v in tokens:
                if k == "block_end":
                    break
                if k != "whitespace":
                    inside.append((k, v))
            if not inside or inside[0][0] != "name":
                continue
            tag = inside[0][1]
            if tag == "set" and any(k == "operator" and v == "=" for k, v in inside):
                continue
            if tag in _BLOCKS:
                stack.append((tag, lineno))
            elif tag.startswith("end") and stack and stack[-1][0] == tag[3:]:
                stack.pop()
    except TemplateSyntaxError:
        return None
    return stack[-1] if stack else None
