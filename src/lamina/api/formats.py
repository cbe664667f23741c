"""The output formats of `lamina check --format` and `lamina diff --format`, from the one
format registry type (lamina/report/registry.py): the names the CLI offers, and the text a
result prints as."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina.diff.formats import DIFF_FORMATS as DIFF_REGISTRY
from lamina.report.registry import CHECK_FORMATS as CHECK_REGISTRY

if TYPE_CHECKING:   # not at run time: `lamina --help` imports this module for the choices
    from lamina.checks.runner import CheckResult
    from lamina.diff.model import EnvironmentDiff

__all__ = ["CHECK_FORMATS", "DIFF_FORMATS", "format_check", "format_diff"]

CHECK_FORMATS: tuple[str, ...] = tuple(CHECK_REGISTRY.names())
DIFF_FORMATS: tuple[str, ...] = tuple(DIFF_REGISTRY.names())


def format_check(result: CheckResult, fmt: str = "text", color: bool = False) -> str:
    """`result` as `lamina check --format FMT` prints it; `color` only for text."""
    text: str = CHECK_REGISTRY.formatter(fmt)(result, color=color)
    return text


def format_diff(result: list[EnvironmentDiff], fmt: str = "text", color: bool = False) -> str:
    """`result` as `lamina diff --format FMT` prints it; `color` only for text."""
    text: str = DIFF_REGISTRY.formatter(fmt)(result, color=color)
    return text
