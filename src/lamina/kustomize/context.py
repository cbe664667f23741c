"""What one build shares across all its kustomizations: the services it was started with
(a tracer, the build memo's plan, the kustomizations the values walk read, the template
renderer) and the OpenAPI schema the build settles on.

Typed and frozen, so that a kustomization reads what the build was given and cannot put
anything else in; the one thing learnt while building (whether any kustomization declared
its own `openapi:`) is kept in `BuildState`, which is mutable on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol

from lamina.errors import SourceRef
from lamina.patch.openapi import BuildSchema

if TYPE_CHECKING:
    from lamina.kustomize.kustomization import Kustomization
    from lamina.model.resource import Origin, Resource


class Tracer(Protocol):
    """Follows where fields are set during a build (explain/tracer.py's FieldTracer).

    Plugins call it for every field they set; the build calls `observe` after each step
    with the resources the step saw, so the tracer can record what changed and where."""

    def __call__(self, res: Resource, path: tuple[Any, ...], value: Any,
                 origin: Origin | None) -> None: ...

    def observe(self, resources: Iterable[Resource], step: str, where: SourceRef | None,
                files: tuple[tuple[str, str], ...] = ()) -> None: ...


class MemoPlan(Protocol):
    """What the build memo (kustomize/memo.py's Plan) is told while the root builds."""

    eligible: bool

    def saw_kustomization(self, k: Kustomization) -> None: ...

    def saw_base(self, target: Any, sub_ra: Any) -> None: ...


@dataclass
class BuildState:
    """Learnt while building: whether a kustomization (of the base being built, while a
    base is built) declared `openapi:`; such a base is not cached, nor is the build memo
    kept, since the schema changes how patches merge."""

    openapi_declared: bool = False


@dataclass(frozen=True)
class BuildContext:
    tracer: Tracer | None = None
    memo_plan: MemoPlan | None = None
    # Kustomizations the values walk already read, by directory (reused, not re-read).
    kustomizations: Mapping[str, Kustomization] = field(default_factory=dict)
    renderer: Any = None            # templates' renderer for lamina-dialect `.j2` files
    schema: BuildSchema = field(default_factory=BuildSchema)
    state: BuildState = field(default_factory=BuildState)
