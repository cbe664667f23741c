"""A transformer's failure named at the kustomization entry that asked for it.

Errors raised while a patch, replacement or image entry is read or applied often know
only the resource (`applying JSON patch ... to ConfigMap/cm`): Kustomize's text. The
build wraps each transformer step in `at_entry`, which gives such an error the
kustomization's file:line of the entry (`patches[1]`, `replacements[0]`) and a remedy
naming what to fix, keeping Kustomize's words for people who search for them.
"""

from __future__ import annotations

import contextlib
import posixpath
from typing import Iterator

from lamina.errors import LaminaError, SourceRef

# The field a builtin transformer's entries are listed under, and what to fix there.
_REMEDY = {
    "patches": "fix the patch (its target, or the paths its operations name) so that it "
               "applies to a resource this kustomization builds",
    "patchesStrategicMerge": "check the patch's apiVersion, kind and metadata.name against the "
                             "resources this kustomization builds",
    "patchesJson6902": "fix the operation's path, or the target, so that it names a field of a "
                       "resource this kustomization builds",
    "replacements": "fix the fieldPath so that it names a field the selected resources have",
    "images": "fix the image entry, or the resource's image field",
    "replicas": "fix the replicas entry",
    "configMapGenerator": "fix this generator entry",
    "secretGenerator": "fix this generator entry",
    "helmCharts": "fix this chart entry",
    "openapi": "give openapi either path: (a schema file) or version: v1.21.2 (the builtin "
               "one), not both",
}


@contextlib.contextmanager
def at_entry(kustomization: str, display: str, field: str | None,
             index: int | None) -> Iterator[None]:
    """Re-raise a LaminaError that names no line at the kustomization line of the entry."""
    try:
        yield
    except LaminaError as exc:
        if exc.source is not None and exc.source.line is not None:
            raise
        from lamina.kustomize.fieldlines import field_line, listing_line
        where: SourceRef = field_line(kustomization, display, field or "transformers", index)
        message = exc.message
        named = exc.source.path if exc.source is not None else ""
        if named and named != display and not named.startswith("<"):
            # The patch file the error is about: the entry that lists it, when one does.
            entry = posixpath.relpath(named, posixpath.dirname(display) or ".")
            listed = listing_line(kustomization, display, entry)
            if listed.line is not None:
                where = listed
            else:
                message = f"{entry}: {message}"
        if where.line is None:
            raise
        from lamina.errors import MissingFileError
        if isinstance(exc, MissingFileError):
            raise
        remedy = "" if "did you mean" in message or "pip install" in message else \
            _REMEDY.get(field or "", "fix this entry")
        cls = type(exc)
        own = LaminaError.__init__
        if getattr(cls, "__init__") is not own:   # a class that words its own message
            cls = next(c for c in cls.__mro__ if getattr(c, "__init__") is own)
        raise cls(f"{message}\n  {remedy}" if remedy else message, where) from None
