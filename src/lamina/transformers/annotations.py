"""AnnotationsTransformer: add annotations at field-spec locations (`commonAnnotations:`).

Identical to the label transformer apart from its config key and default field specs
(metadata/annotations and pod-template annotations), so it reuses the same setter.
"""

from __future__ import annotations

from typing import Any

from lamina.transformers.base import PluginContext
from lamina.transformers.labels import MapEntryTransformer, field_specs, string_map


def make(config: dict[str, Any], ctx: PluginContext) -> MapEntryTransformer:
    """Factory for `AnnotationsTransformer` configs: {annotations: {k: v}, fieldSpecs: [...]}."""
    return MapEntryTransformer(
        string_map(config.get("annotations"), "annotations"),
        field_specs(config.get("fieldSpecs"), "AnnotationsTransformer fieldSpecs"),
        ctx.tracer, ctx.origin)
