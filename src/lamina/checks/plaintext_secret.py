"""plaintext-secret: no Secret with plaintext `data` or `stringData` reaches the rendered
tree, unless the environment sets `allowPlaintextSecrets: true` in lamina.yaml.

SOPS-encrypted documents (a top-level `sops:` block) and SealedSecrets pass, as do
placeholder keys with empty values (an operator fills them). A Secret's
values never appear in any message: findings name only the keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding

ID = "plaintext-secret"
LEVEL = ERROR


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    if ctx.allow_plaintext_secrets:
        return
    for obj in ctx.objects:
        if obj.kind != "Secret" or obj.api_version != "v1" or isinstance(obj.data.get("sops"), dict):
            continue
        keys = sorted({k for field in ("data", "stringData")
                       if isinstance(obj.data.get(field), dict)
                       for k, v in obj.data[field].items() if v not in (None, "")})
        if keys:
            yield ctx.finding(ID, LEVEL, obj, f"holds plaintext values for {', '.join(keys)}: "
                              "encrypt it (SOPS, SealedSecret, an external secret store) or set "
                              f"allowPlaintextSecrets for environment '{ctx.environment}'",
                              at=_first_key(obj.data, keys[0]))


def _first_key(data: dict[str, Any], key: str) -> tuple[str, str]:
    """The field of the first plaintext key: the finding points at its line."""
    return ("stringData" if isinstance(data.get("stringData"), dict) and key in data["stringData"]
            else "data", key)
