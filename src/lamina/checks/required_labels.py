"""required-labels: every resource carries the labels the team requires.

Off until `labels` is configured:

```yaml
checks:
  rules:
    required-labels: {labels: [app.kubernetes.io/name, team]}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import WARNING, Context, Finding

ID = "required-labels"
LEVEL = WARNING


@dataclass(frozen=True)
class Options:
    labels: tuple[str, ...] | list[str] = ()
    kinds: tuple[str, ...] | list[str] = ()     # empty: every kind


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj in ctx.objects:
        if options.kinds and obj.kind not in options.kinds:
            continue
        missing = [label for label in options.labels if label not in obj.labels()]
        if missing:
            yield ctx.finding(ID, LEVEL, obj, "missing required labels: " + ", ".join(missing))
