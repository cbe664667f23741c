"""Patches and replacements that changed nothing: what the `unmatched-patch` check reports.

Kustomize fails on a strategic merge patch without a target whose resource is missing,
but silently applies a patch (`patches:` with a `target:`, or `patchesJson6902:`) or a
replacement target that selects nothing. A renamed resource then quietly loses a setting.
The build notes each of those here (run_transformers), in the Accumulator, so bases cached
per process (base_cache.py) and per overlay on disk (memo.py) carry theirs; the output
bytes never change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lamina.errors import SourceRef


@dataclass(frozen=True)
class Unmatched:
    path: str            # absolute path of the kustomization that lists the patch
    field: str           # patches | patchesJson6902 | replacements | transformers
    index: int           # its entry in that field
    what: str            # what it selects, as the user wrote it
    # A replacement target: its node path in `path` (then the kustomization, or the
    # `replacements: - path:` file that holds it), for its own line.
    at: tuple[str | int, ...] = ()

    def where(self) -> SourceRef:
        """The file and line of the entry (line None when it cannot be read)."""
        if self.at:
            from lamina.yaml.patch_positions import written_at
            return written_at(self.path, self.path, self.at)
        from lamina.kustomize.fieldlines import field_line
        return field_line(self.path, self.path, self.field, self.index)

    def label(self) -> str:
        return json.dumps([self.path, self.field, self.index, self.what, list(self.at)])

    @classmethod
    def from_label(cls, label: str) -> "Unmatched":
        path, field, index, what, at = json.loads(label)
        return cls(path, field, index, what, tuple(at))


def describe(selector: Any) -> str:
    """A patch target as the kustomization wrote it: `kind: Deployment, name: api`."""
    parts = [(k, getattr(selector, a, "")) for k, a in (
        ("group", "group"), ("version", "version"), ("kind", "kind"), ("name", "name"),
        ("namespace", "namespace"), ("labelSelector", "label_selector"),
        ("annotationSelector", "annotation_selector"))]
    return ", ".join(f"{k}: {v}" for k, v in parts if v) or "everything"


def note(ra: Any, entry: Unmatched, found: list) -> None:
    """Record what a patch or replacement target selected. In the build memo's root
    pipeline (a partial build sees only the bases that changed) the memo counts it by
    base and decides once the kept bases' counts are added (memo.Plan.after_pipeline)."""
    chunking = ra.resmap.chunking
    if chunking is not None:
        chunking.count("select", entry.label(), found)
    elif not found:
        ra.unmatched.append(entry)
