"""`lamina values DIR`: the merged values a build of DIR would give its templates, with the
file:line that set each one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lamina.kustomize.dialect import ValuesOptions, merged_values
from lamina.kustomize.loader import ROOT_ONLY, FileLoader

if TYPE_CHECKING:   # lamina.templates loads Jinja: `lamina build` imports this module for
    from lamina.templates import MergedValues     # ValuesOptions, and pays only when it renders

__all__ = ["ValuesOptions", "ValuesQuery", "ValuesResult", "values"]


@dataclass(frozen=True)
class ValuesQuery:
    """The kustomization folder, whether files outside a kustomization's folder may be read
    (as for `lamina build`), and values given on the command line, above every layer."""

    directory: str = "."
    load_restrictor: str = ROOT_ONLY
    values: ValuesOptions = field(default_factory=ValuesOptions)


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


def values(query: ValuesQuery = ValuesQuery()) -> ValuesResult:
    """Every values layer of the tree merged, then the command line's on top."""
    loader = FileLoader.at(query.directory, query.load_restrictor)
    merged = merged_values(loader, query.values)
    from lamina.templates import merge_layers
    return ValuesResult(merge_layers([]) if merged is None else merged)
