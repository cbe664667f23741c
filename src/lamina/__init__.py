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
import sys
import types
from typing import TYPE_CHECKING, Any

from lamina.version import KUSTOMIZE_COMPAT_VERSION, __version__

if TYPE_CHECKING:
    from lamina.api.build import BuildOptions, BuildResult, build, write_output
    from lamina.api.cache import CacheInfo, Cleared, cache_clear, cache_info
    from lamina.api.check import CheckOptions, check
    from lamina.api.explain import ExplainOptions, Explanation, explain
    from lamina.api.formats import CHECK_FORMATS, DIFF_FORMATS, format_check, format_diff
    from lamina.api.history import (HistoryEntry, HistoryOptions, HistoryResult, StatusOptions,
                                    StatusResult, history, status)
    from lamina.api.promote import PromoteOptions, PromoteResult, promote
    from lamina.api.publish import PublishOptions, PublishResult, publish
    from lamina.api.rollback import (HoldResult, ReleaseOptions, RollbackOptions, release,
                                     rollback)
    from lamina.api.values import ValuesOptions, ValuesResult, values
    from lamina.api.diff import DiffOptions, EnvironmentDiff, diff
    from lamina.api.render import RenderOptions, RenderResult, render
    from lamina.checks.runner import CheckResult
    from lamina.errors import LaminaError


def _table(module: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, f"lamina.api.{module}")


# name -> module that defines it
_EXPORTS: dict[str, str] = {
    **_table("build", "build", "BuildOptions", "BuildResult", "write_output"),
    **_table("render", "render", "RenderOptions", "RenderResult"),
    **_table("check", "check", "CheckOptions"),
    "CheckResult": "lamina.checks.runner",
    **_table("formats", "format_check", "CHECK_FORMATS", "format_diff", "DIFF_FORMATS"),
    **_table("diff", "diff", "DiffOptions", "EnvironmentDiff"),
    **_table("explain", "explain", "ExplainOptions", "Explanation"),
    **_table("values", "values", "ValuesResult", "ValuesOptions"),
    **_table("publish", "publish", "PublishOptions", "PublishResult"),
    **_table("promote", "promote", "PromoteOptions", "PromoteResult"),
    **_table("rollback", "rollback", "release", "RollbackOptions", "ReleaseOptions",
             "HoldResult"),
    **_table("history", "history", "status", "HistoryOptions", "HistoryResult", "HistoryEntry",
             "StatusOptions", "StatusResult"),
    **_table("cache", "cache_info", "cache_clear", "CacheInfo", "Cleared"),
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


class _Package(types.ModuleType):
    """`lamina.publish`, `lamina.diff` and `lamina.explain` are use-case functions and also
    the names of subpackages. Importing a subpackage binds its name on its parent package,
    which would hide the function; those bindings are not made (the import system finds
    submodules through sys.modules, never through this attribute)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
