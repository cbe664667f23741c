"""The one format registry: each command's output formats as data, name -> "module:function",
imported only when chosen (so a command's `--format` choices cost its start-up nothing).

`lamina check` formats a CheckResult (CHECK_FORMATS, below); `lamina diff` formats a list of
EnvironmentDiff (DIFF_FORMATS in diff/formats.py, a layer above this one, declared with the
same `Formats` type). Every formatter is called as `function(result, color=...)` and returns
the text to print.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

Formatter = Callable[..., str]


@dataclass(frozen=True)
class Formats:
    """One command's formats: name -> "module:function", in the order `--help` lists them."""

    entries: tuple[tuple[str, str], ...]

    def names(self) -> list[str]:
        """The format names (for `--format`'s choices)."""
        return [name for name, _ in self.entries]

    def formatter(self, name: str) -> Formatter:
        """The function that writes format `name` (KeyError for an unknown name)."""
        module, _, attr = dict(self.entries)[name].partition(":")
        found: Any = getattr(importlib.import_module(module), attr)
        return found


CHECK_FORMATS = Formats((
    ("github", "lamina.report.github:check_report"),
    ("json", "lamina.report.json_format:check_report"),
    ("sarif", "lamina.report.sarif:check_report"),
    ("text", "lamina.report.text:check_report"),
))
