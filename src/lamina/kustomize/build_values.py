"""The values a lamina-dialect build hands its templates."""

from __future__ import annotations

from dataclasses import dataclass

from lamina.templates.merge import MergedValues


@dataclass(frozen=True)
class BuildValues(MergedValues):
    """Merged values, plus the `.j2` files listed as resources: their resource errors
    (no `metadata.name`, no `kind`) are mapped back to template lines too."""

    resource_templates: frozenset[str] = frozenset()
    # The folder (absolute) the origins' relative paths start from: the build's root.
    # A message about a field a values file set names that file from the project root.
    root: str = ""
