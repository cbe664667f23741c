"""Errors of the template dialect, so callers can tell a values mistake from a template one.

Their messages may name files besides their own place (`values files consulted:
../../base/values.yaml, values.yaml`): `files` holds those names, in the frame of the error's
source path, and located() names them from the project root as it does the source
(`base/values.yaml, overlays/prod/values.yaml`).
"""

from __future__ import annotations

import re
from typing import cast

from lamina.errors import LaminaError, SourceRef


class _NamesFiles:
    """The `files` a message names, moved by located() (mixed into the two errors below;
    not a LaminaError itself, so it is no error class of its own)."""

    files: tuple[str, ...] = ()

    def __init__(self, message: str, source: SourceRef | None = None,
                 files: tuple[str, ...] = ()):
        LaminaError.__init__(cast(LaminaError, self), message, source)
        if files:
            self.files = tuple(files)

    def located(self, base: str = "", environment: str | None = None,
                root: str = "") -> LaminaError:
        error = cast(LaminaError, self)
        move_files(error, base, root)
        return LaminaError.located(error, base, environment, root)


class ValuesError(_NamesFiles, LaminaError):
    """A values file or a --set argument that cannot be read."""


class ValuesSchemaError(ValuesError):
    """Merged values that do not satisfy the layer's valuesSchema, or a schema that is not one."""


class TemplateError(_NamesFiles, LaminaError):
    """A .j2 template that fails to compile, render, stay in the sandbox, or yield valid YAML."""


def move_files(error: LaminaError, base: str, root: str) -> None:
    """Name the files `error`'s message mentions as SourceRef.under(base, root) names them."""
    files: tuple[str, ...] = getattr(error, "files", ())
    if not files or not (base or root):
        return
    moved = tuple(SourceRef(f).under(base, root).path for f in files)
    error.message = respell(error.message, dict(zip(files, moved)))
    setattr(error, "files", moved)
    error.args = (error.message,) + error.args[1:]


def respell(text: str, names: dict[str, str]) -> str:
    """`text` with each whole file name in `names` (not a part of a longer path) replaced."""
    names = {old: new for old, new in names.items() if old and old != new}
    if not names:
        return text
    pattern = re.compile(r"(?<![\w./-])(?:" + "|".join(
        re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w/-]|\.\w)")
    return pattern.sub(lambda m: names[m.group(0)], text)
