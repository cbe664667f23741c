"""`lamina promote SOURCE TARGET`: carry image tags (and chosen values) from one environment's
inputs to another's overlay files (lamina/project/promote.py plans and writes the edits)."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

from lamina.project.promote import apply, plan

__all__ = ["PromoteOptions", "PromoteResult", "promote"]


@dataclass(frozen=True)
class PromoteOptions:
    """From `source` to `target` (environment names): image tags unless `images` is off, the
    values at the dotted `value_keys`; with `dry_run` nothing is written."""

    source: str
    target: str
    value_keys: tuple[str, ...] = ()
    images: bool = True
    dry_run: bool = False
    project_dir: str = "."


@dataclass(frozen=True)
class PromoteResult:
    """One line per promoted value (empty when the target already has them all), the unified
    diff of the edited files (paths from the project folder), and whether they were written."""

    changes: tuple[str, ...]
    diff: str
    written: bool


def promote(options: PromoteOptions) -> PromoteResult:
    """Plan the edits and, unless `dry_run`, write each edited file whole."""
    promotion = plan(options.project_dir, options.source, options.target,
                     images=options.images, value_keys=options.value_keys)
    if not promotion.changes:
        return PromoteResult((), "", False)
    root = os.path.realpath(options.project_dir)
    diff = "".join(
        "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                     f"a/{rel}", f"b/{rel}"))
        for path, (old, new) in promotion.files.items()
        for rel in [os.path.relpath(path, root)])
    if not options.dry_run:
        apply(promotion)
    return PromoteResult(tuple(promotion.changes), diff, not options.dry_run)
