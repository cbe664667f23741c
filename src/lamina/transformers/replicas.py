"""ReplicaCountTransformer: set the replica count of named workloads (`replicas:`).

A resource is chosen when any of its ids, the current one or one it had before a
rename, carries the entry's name and a kind the field spec selects. So `replicas:
[{name: web}]` still finds `web` after a `namePrefix`, and the new name works too.
If no field spec selects anything the build fails, as in Kustomize.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from lamina.errors import KustomizationError, ResourceError
from lamina.model.resid import Gvk
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext
from lamina.transformers.fieldspecs import FieldSpec
from lamina.transformers.fieldwalk import WrongNodeKind, apply_fieldspecs
from lamina.transformers.labels import field_specs
from lamina.yaml.scalars import resolve_v3


@dataclass(frozen=True, slots=True)
class Replica:
    """One `replicas:` entry."""

    name: str
    count: int

    @classmethod
    def from_dict(cls, d: Any) -> "Replica":
        if d is None:
            d = {}
        if not isinstance(d, Mapping):
            raise KustomizationError(f"a replicas entry must be a map, got {d!r}")
        name = d.get("name")
        if name is None:
            name = ""
        if not isinstance(name, str):
            raise KustomizationError(f"replicas: name must be a string, got {name!r}")
        return cls(name, _count(d.get("count")))


def _count(raw: Any) -> int:
    """Kustomize decodes `count` into an int64: absent means 0, a whole float is accepted
    (YAML-to-JSON turns 3.0 into 3), anything else is an error."""
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise KustomizationError(f"replicas: count must be an integer, got {raw!r}")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise KustomizationError(f"replicas: count must be an integer, got {raw!r}")
        raw = int(raw)
    if not -(2 ** 63) <= raw < 2 ** 63:
        raise KustomizationError(f"replicas: count {raw} does not fit in 64 bits")
    return raw


@dataclass(frozen=True)
class ReplicaCountTransformer:
    replica: Replica
    field_specs: tuple[FieldSpec, ...]

    def _selects(self, res: Resource, fs: FieldSpec) -> bool:
        selector = Gvk(fs.group, fs.version, fs.kind)
        return any(rid.name == self.replica.name and rid.gvk.is_selected_by(selector)
                   for rid in res.all_ids())

    def _set(self, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            kind = "MappingNode" if isinstance(value, dict) else "SequenceNode"
            raise WrongNodeKind("ScalarNode", kind)
        if isinstance(value, str) and not isinstance(resolve_v3(value), str):
            # `replicas: "3"` was quoted to stay a string; Kustomize keeps the quoting
            # style when it sets the new count, so the result is the string "5".
            return str(self.replica.count)
        return self.replica.count

    # Reports every resource it edits to ResMap.touch (see run_transformers).
    reports_edits = True

    def transform(self, resmap: ResMap) -> None:
        found = False
        # Setting a count never renames, so the name lookup holds for every field spec.
        named = [r for r in resmap.named(self.replica.name) if r.obj]
        for fs in self.field_specs:
            chosen = [r for r in named if self._selects(r, fs)]
            found = found or bool(chosen)
            for res in chosen:
                resmap.touch(res)     # a field spec could point anywhere, even at a name
                apply_fieldspecs(res.obj, (fs,), self._set,
                                 describe=lambda: str(res.cur_id))
        if resmap.chunking is not None:
            chosen_any = [r for r in named if any(self._selects(r, fs) for fs in self.field_specs)]
            resmap.chunking.count("replicas", self.replica.name, chosen_any)
            if resmap.chunking.partial:
                return      # the build memo checks that some part of the build matched
        if not found:
            gvks = " ".join(str(Gvk(fs.group, fs.version, fs.kind)) for fs in self.field_specs)
            raise ResourceError(
                f"resource with name {self.replica.name} does not match a config with "
                f"the following GVK [{gvks}]")


def make(config: dict[str, Any], ctx: PluginContext) -> ReplicaCountTransformer:
    """Factory for `ReplicaCountTransformer` configs: {replica: {name, count}, fieldSpecs}."""
    return ReplicaCountTransformer(
        Replica.from_dict(config.get("replica")),
        field_specs(config.get("fieldSpecs"), "ReplicaCountTransformer fieldSpecs"))
