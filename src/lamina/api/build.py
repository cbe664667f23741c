"""`lamina build`: one kustomization built exactly as Kustomize v5.8.1 builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lamina.kustomize import build as engine
from lamina.kustomize.dialect import ValuesOptions
from lamina.kustomize.loader import ROOT_ONLY
from lamina.model.resmap import ResMap


@dataclass(frozen=True)
class BuildOptions:
    """The kustomization folder, whether files outside a kustomization's folder may be read
    (`LoadRestrictionsRootOnly`, Kustomize's default, or `LoadRestrictionsNone`), and
    values given on the command line for lamina-dialect templates."""

    directory: str = "."
    load_restrictor: str = ROOT_ONLY
    values: ValuesOptions = field(default_factory=ValuesOptions)


@dataclass(frozen=True)
class BuildResult:
    """The built resources, in Kustomize's output order."""

    resources: ResMap

    def objects(self) -> list[dict[str, Any]]:
        """The resources as plain dicts (owned by the result: copy before changing them)."""
        return [r.obj for r in self.resources]

    def yaml(self) -> str:
        """What `lamina build` prints: the same bytes as `kustomize build`."""
        from lamina.yaml import dump_all
        return dump_all(self.objects())


def build(options: BuildOptions = BuildOptions()) -> BuildResult:
    resmap = engine.build(options.directory, engine.BuildOptions(
        load_restrictor=options.load_restrictor, values=options.values))
    return BuildResult(resmap)
