"""high-entropy: ConfigMap values and container env values that look like credentials
(long, random-looking strings), or whose key names them a credential (`DB_PASSWORD`,
`api-key`, `SECRET`...: not a path, URL, placeholder or number), are warned about: they
belong in a Secret.

Inside any ConfigMap value or env value, also a credential recognised by its shape
(credential_shapes.py): a PEM private key block; an AWS access key id (`AKIA...`) or an
AWS secret access key in a config file; a GCP service-account key (`"private_key"`);
Google API keys; Azure storage account keys, shared access signatures and AD client
secrets; GitHub, GitLab, Slack and Stripe tokens and Slack webhooks; and a password inside
a URL (`postgres://user:pass@host`, not `${DB_PASSWORD}` or another placeholder).

The message names the key and the kind of credential, never the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import WARNING, Context, Finding, container_path, containers, pod_template
from lamina.checks.credential_shapes import credentials_in

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


def _what(key: object, value: object, options: Options) -> str | None:
    """Why the value looks like a credential (a phrase for the message), or None."""
    shapes = list(credentials_in(value))
    if shapes:
        return "holds " + " and ".join(shapes)
    if suspicious(value, options) or named_credential(key, value):
        return "looks like a credential"
    return None


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj in ctx.objects:
        if obj.kind == "ConfigMap":
            data = obj.data.get("data")
            for key, value in sorted(data.items() if isinstance(data, dict) else ()):
                what = _what(key, value, options)
                if what:
                    yield ctx.finding(ID, LEVEL, obj, f"data key '{key}' {what}; move it to a "
                                      "Secret", at=("data", str(key)))
        tpl = pod_template(obj)
        if tpl is None:
            continue
        for field, c in containers(tpl[1]):
            at = container_path(obj, field, c)
            for j, env in enumerate(c.get("env") or []):
                if not isinstance(env, dict):
                    continue
                what = _what(env.get("name"), env.get("value"), options)
                if what:
                    yield ctx.finding(ID, LEVEL, obj, f"{field[:-1]} '{c.get('name')}' env "
                                      f"'{env.get('name')}' {what}; use secretKeyRef",
                                      at=at + ("env", ("name", env["name"]) if isinstance(
                                          env.get("name"), str) else j, "value"))
