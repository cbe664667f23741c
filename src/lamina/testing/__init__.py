"""Snapshot testing for rendered manifests: a pytest plugin and a syrupy extension.

pytest loads `lamina.testing.plugin` into every run once lamina is installed, and that must
work without syrupy, so this package imports its parts only when they are asked for.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "LaminaSnapshot": "lamina.testing.assertion",
    "YamlSnapshotExtension": "lamina.testing.extension",
    "build_overlay": "lamina.testing.overlay",
    "render_overlay": "lamina.testing.overlay",
    "resource_files": "lamina.testing.overlay",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
