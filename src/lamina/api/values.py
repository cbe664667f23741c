"""`lamina values DIR`: the merged values a build of DIR would give its templates, with the
file:line that set each one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lamina.api.build import BuildOptions
from lamina.kustomize.dialect import ValuesOptions, merged_values
from lamina.kustomize.loader import FileLoader

if TYPE_CHECKING:   # lamina.templates loads Jinja: `lamina build` imports this module for
    from lamina.templates import MergedValues     # ValuesOptions, and pays only when it renders

__all__ = ["ValuesOptions", "ValuesResult", "values"]


@dataclass(frozen=True)
class ValuesResult:
    """The merged values (empty when nothing in the tree uses them)."""

    merged: MergedValues

    def text(self, show_origin: bool = False, base: str = "", root: str = "") -> str:
        """What `lamina values` prints: block YAML in merge order, with `# file:line` after
        each value when `show_origin`; origins are named from `base` (the folder the build's
        paths are relative to) and `root` (the folder absolute paths are shown from)."""
        from lamina.templates import format_values
        return format_values(self.merged, show_origin, base, root)


def values(options: BuildOptions = BuildOptions()) -> ValuesResult:
    """The values a build with these options gives its templates: every values layer of the
    tree merged, then the command line's on top."""
    loader = FileLoader.at(options.directory, options.load_restrictor)
    merged = merged_values(loader, options.values)
    from lamina.templates import merge_layers
    return ValuesResult(merge_layers([]) if merged is None else merged)
