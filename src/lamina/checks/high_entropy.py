"""high-entropy: ConfigMap values and container env values that look like credentials
(long, random-looking strings), or whose key names them a credential (`DB_PASSWORD`,
`api-key`, `SECRET`...: not a path, URL, placeholder or number), are warned about: they
belong in a Secret.

The message names the key and never the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import WARNING, Context, Finding, containers, pod_template

ID = "high-entropy"
LEVEL = WARNING
_TOKENISH = re.compile(r"^[A-Za-z0-9+/=_\-.]{20,}$")


@dataclass(frozen=True)
class Options:
    min_length: int = 20
    min_entropy: float = 4.0      # bits per character


def entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def suspicious(value: object, options: Options) -> bool:
    if not isinstance(value, str) or len(value) < options.min_length or not _TOKENISH.match(value):
        return False
    if value.startswith(("http://", "https://", "/")) or value.count(".") > 3:
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 2 and entropy(value) >= options.min_entropy


_CREDENTIAL_KEY = re.compile(r"(?:^|[_\-.])(password|passwd|pwd|secret|token|api[_\-]?key|apikey|"
                             r"private[_\-]?key|access[_\-]?key|client[_\-]?secret|credentials?)$",
                             re.IGNORECASE)


def named_credential(key: object, value: object) -> bool:
    if not isinstance(key, str) or not isinstance(value, str) or not _CREDENTIAL_KEY.search(key):
        return False
    v = value.strip()
    return len(v) >= 4 and not v.isdigit() and not v.startswith(("/", "http://", "https://", "$", "{{", "<")) \
        and " " not in v and v.lower() not in ("changeme", "none", "null", "true", "false")


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj in ctx.objects:
        if obj.kind == "ConfigMap":
            for key, value in sorted((obj.data.get("data") or {}).items()):
                if suspicious(value, options) or named_credential(key, value):
                    yield ctx.finding(ID, LEVEL, obj, f"data key '{key}' looks like a credential; "
                                      "move it to a Secret")
        tpl = pod_template(obj)
        if tpl is None:
            continue
        for field, c in containers(tpl[1]):
            for env in c.get("env") or []:
                if isinstance(env, dict) and (suspicious(env.get("value"), options) or
                                              named_credential(env.get("name"), env.get("value"))):
                    yield ctx.finding(ID, LEVEL, obj, f"{field[:-1]} '{c.get('name')}' env "
                                      f"'{env.get('name')}' looks like a credential; use secretKeyRef")
