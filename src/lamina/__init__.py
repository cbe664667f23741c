"""lamina: Kustomize-compatible rendering with templates, checks and a rendered-branch publisher.

The public Python API is the use cases of `lamina.api`, re-exported here and imported only
when first used, so that `import lamina` (and the `lamina` command's start-up) stays cheap:

    import lamina
    result = lamina.build(lamina.BuildOptions(directory="overlays/prod"))
    print(result.yaml())

See docs/api.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lamina.version import KUSTOMIZE_COMPAT_VERSION, __version__

if TYPE_CHECKING:
    from lamina.api.build import BuildOptions, BuildResult, build
    from lamina.api.cache import CacheInfo, Cleared, cache_clear, cache_info
    from lamina.api.check import CheckOptions, check
    from lamina.api.diff import DiffOptions, diff
    from lamina.api.render import RenderOptions, RenderResult, render
    from lamina.checks.runner import CheckResult
    from lamina.errors import LaminaError

# name -> module that defines it
_EXPORTS = {
    "build": "lamina.api.build", "BuildOptions": "lamina.api.build",
    "BuildResult": "lamina.api.build",
    "check": "lamina.api.check", "CheckOptions": "lamina.api.check",
    "CheckResult": "lamina.checks.runner",
    "render": "lamina.api.render", "RenderOptions": "lamina.api.render",
    "RenderResult": "lamina.api.render",
    "diff": "lamina.api.diff", "DiffOptions": "lamina.api.diff",
    "cache_info": "lamina.api.cache", "cache_clear": "lamina.api.cache",
    "CacheInfo": "lamina.api.cache", "Cleared": "lamina.api.cache",
    "LaminaError": "lamina.errors",
}

__all__ = ["KUSTOMIZE_COMPAT_VERSION", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lamina' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
