"""unmatched-patch: every patch and replacement changes something.

Kustomize fails when a strategic merge patch without a target names a resource that does
not exist, and when a replacement's source selects nothing (lamina fails there too, with
Kustomize's text at the entry's or the source's line), but it applies silently to nothing
- a `patches:` entry with a `target:` that selects no resource (strategic merge or JSON
  6902, inline or in a file, in an overlay, a base or a component),
- a `patchesJson6902:` entry whose target does not exist,
- a `transformers:` PatchTransformer or PatchJson6902Transformer config that selects nothing,
- a replacement target (`replacements[].targets[].select`, less its `reject`) that selects
  nothing, inline or in a `replacements: - path:` file.

After a rename (a new `namePrefix`, a Deployment renamed in the base) such a patch quietly
stops applying and prod loses its replica count or its memory limit. Each is reported
with its own file and line (the kustomization entry; a replacement target's line in the
file that holds it) and the environment (warning; error in the strict preset). A patch
in a base is reported in every environment that builds the base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import WARNING, Context, Finding
from lamina.errors import SourceRef

ID = "unmatched-patch"
LEVEL = WARNING


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for path, line, field, index, what in ctx.unmatched_patches:
        if field == "replacements":
            entry, message = what, ("selects no resource, so the replacement changes nothing "
                                    "(fix its select, or remove it)")
        else:
            entry = f"{field}[{index}]"
            message = (f"targets {what}, which selects no resource, so the patch changes "
                       "nothing (fix its target, or remove the patch)")
        yield Finding(ID, LEVEL, message, ctx.environment, entry, SourceRef(path, line))
