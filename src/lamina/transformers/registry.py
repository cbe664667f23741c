"""The one table of builtin transformer plugins, keyed by Kustomize's builtin kind names.

Adding a transformer is one module plus one line here.
"""

from __future__ import annotations

import importlib
from typing import Mapping

from lamina.transformers.base import TransformerFactory

# kind -> "module:factory". Imported lazily so `lamina build` only loads what it uses.
_TRANSFORMERS: Mapping[str, str] = {
}


def transformer_factory(kind: str) -> TransformerFactory | None:
    target = _TRANSFORMERS.get(kind)
    if target is None:
        return None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def transformer_kinds() -> list[str]:
    return sorted(_TRANSFORMERS)
