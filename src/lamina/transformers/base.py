"""What every builtin transformer and generator plugin looks like.

Kustomize turns each kustomization field into a builtin plugin config (namePrefix becomes a
PrefixTransformer config with the prefix field specs, and so on) and runs plugins in a fixed
order. lamina does the same: a kustomization field and an entry under `transformers:` that
names a builtin kind go through the same class, so both behave identically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from lamina.model.files import FileLoader
from lamina.model.resmap import ResMap
from lamina.model.resource import Origin


# A tracer receives (resource, field path, value, origin) for every field a plugin sets.
# Off (None) by default, so a normal build pays nothing for it.
Tracer = Callable[[Any, tuple, Any, Origin | None], None]


@dataclass
class PluginContext:
    """Everything a plugin may use besides its own config. Built once per kustomization."""

    loader: FileLoader
    config: Any                    # transformers.fieldspecs.TransformerConfig (merged field specs)
    schema: Any = None             # patch.openapi.SchemaIndex for strategic merge
    origin: Origin | None = None   # which kustomization configured the plugin
    tracer: Tracer | None = None
    extras: dict[str, Any] = field(default_factory=dict)


class Transformer(Protocol):
    def transform(self, resmap: ResMap) -> None:
        """Change resources in place (or replace them in the ResMap)."""
        ...


class Generator(Protocol):
    def generate(self) -> ResMap:
        """Return new resources (their Resource.behavior says how to merge them)."""
        ...


# A factory takes the plugin's config (a dict in Kustomize's builtin-plugin schema, e.g.
# {"prefix": "p-", "fieldSpecs": [...]}) and the context, and returns a ready plugin.
TransformerFactory = Callable[[dict[str, Any], PluginContext], Transformer]
GeneratorFactory = Callable[[dict[str, Any], PluginContext], Generator]
