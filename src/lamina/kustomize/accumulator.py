"""The accumulation of one kustomization's build: its resources, field-spec config and vars."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lamina.model.resmap import ResMap


@dataclass
class Accumulator:
    """What a kustomization hands to the one that includes it."""

    resmap: ResMap
    config: Any          # transformers.fieldspecs.TransformerConfig
    vars: Any            # transformers.vars.VarSet
    # Patches and replacement targets that selected nothing (kustomize/unmatched.py).
    unmatched: list = field(default_factory=list)

    @classmethod
    def empty(cls) -> "Accumulator":
        from lamina.transformers.fieldspecs import EMPTY_CONFIG
        from lamina.transformers.vars import VarSet
        # Kustomize starts empty and merges "defaults + this kustomization's configurations"
        # at each level; the order matters when a user spec overlaps a default one.
        return cls(ResMap(), EMPTY_CONFIG, VarSet())

    def copy(self) -> "Accumulator":
        """Resources copied; the field-spec config is immutable; only called with no vars."""
        from lamina.transformers.vars import VarSet
        return Accumulator(self.resmap.copy(), self.config, VarSet(), list(self.unmatched))

    def merge(self, other: "Accumulator") -> None:
        self.resmap.append_all(other.resmap)
        self.config = self.config.merge(other.config)
        self.vars.merge(other.vars)
        self.unmatched.extend(other.unmatched)
