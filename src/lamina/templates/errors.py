"""Errors of the template dialect, so callers can tell a values mistake from a template one.

Their messages may name files besides their own place (`values files consulted:
../../base/values.yaml, values.yaml`): `files` holds those names, in the frame of the error's
source path, and located() names them from the project root as it does the source
(`base/values.yaml, overlays/prod/values.yaml`).
"""

from __future__ import annotations

import re

from lamina.errors import LaminaError, SourceRef


class ValuesError(LaminaError):
    """A values file or a --set argument that cannot be read."""

    files: tuple[str, ...] = ()

    def __init__(self, message: str, source: SourceRef | None = None, files: tuple[str, ...] = ()):
        super().__init__(message, source)
        self.files = tuple(files)

    def located(self, base: str = "", environment: str | None = None,
                root: str = "") -> LaminaError:
        move_files(self, base, root)
        return super().located(base, environment, root)


class ValuesSchemaError(ValuesError):
    """Merged values that do not satisfy the layer's valuesSchema, or a schema that is not one."""


class TemplateError(LaminaError):
    """A .j2 template that fails to compile, render, stay in the sandbox, or yield valid YAML."""

    files: tuple[str, ...] = ()

    def __init__(self, message: str, source: SourceRef | None = None, files: tuple[str, ...] = ()):
        super().__init__(message, source)
        self.files = tuple(files)

    def located(self, base: str = "", environment: str | None = None,
                root: str = "") -> LaminaError:
        move_files(self, base, root)
        return super().located(base, environment, root)


def move_files(error: ValuesError | TemplateError, base: str, root: str) -> None:
    """Name the files `error`'s message mentions as SourceRef.under(base, root) names them."""
    if not error.files or not (base or root):
        return
    moved = tuple(SourceRef(f).under(base, root).path for f in error.files)
    error.message = respell(error.message, dict(zip(error.files, moved)))
    error.files = moved
    error.args = (error.message,) + error.args[1:]


def respell(text: str, names: dict[str, str]) -> str:
    """`text` with each whole file name in `names` (not a part of a longer path) replaced."""
    names = {old: new for old, new in names.items() if old and old != new}
    if not names:
        return text
    pattern = re.compile(r"(?<![\w./-])(?:" + "|".join(
        re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w/-]|\.\w)")
    return pattern.sub(lambda m: names[m.group(0)], text)
