"""Check results as text, JSON, GitHub annotations or SARIF: the formats `lamina check
--format` offers, from the one format registry (lamina/report/registry.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina.report.registry import FORMATS, formatter

if TYPE_CHECKING:   # not at run time: `lamina --help` imports this module for the choices
    from lamina.checks.runner import CheckResult

__all__ = ["CHECK_FORMATS", "format_check"]

CHECK_FORMATS: tuple[str, ...] = tuple(sorted(FORMATS))


def format_check(result: CheckResult, fmt: str = "text", color: bool = False) -> str:
    """`result` as `lamina check --format FMT` prints it; `color` only for text."""
    text: str = formatter(fmt)(result, color=color)
    return text
