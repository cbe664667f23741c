"""Output formats for check results: name -> "module:function"."""

from __future__ import annotations

import importlib
from typing import Callable

FORMATS: dict[str, str] = {
    "text": "lamina.report.text:check_report",
    "json": "lamina.report.json_format:check_report",
    "github": "lamina.report.github:check_report",
    "sarif": "lamina.report.sarif:check_report",
}


def formatter(name: str) -> Callable:
    module, _, attr = FORMATS[name].partition(":")
    return getattr(importlib.import_module(module), attr)
