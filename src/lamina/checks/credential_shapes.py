"""Credentials recognised by their shape inside any text (a ConfigMap's config file, an env
value): what high-entropy reports besides random-looking strings. Each detector gives the
kind of credential it saw, never the credential itself."""

from __future__ import annotations

import re
from typing import Iterator

_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a PEM private key", re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])"
                                        r"[A-Z0-9]{16}(?![A-Z0-9])")),
    ("an AWS secret access key", re.compile(
        r"(?i)(?:aws_?secret_?access_?key|secret_?access_?key|aws_?secret)[\"']?\s*[:=]\s*"
        r"[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])")),
    ("a GCP service-account private key", re.compile(
        r"\"private_key\"\s*:\s*\"-----BEGIN|\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\"")),
    ("a Google API key", re.compile(r"(?<![A-Za-z0-9_\-])AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])")),
    ("an Azure storage account key", re.compile(r"(?i)AccountKey=[A-Za-z0-9+/]{80,}={0,2}")),
    ("an Azure shared access signature", re.compile(
        r"(?i)(?:SharedAccessKey=[A-Za-z0-9+/]{40,}={0,2}|[?&]sig=[A-Za-z0-9%+/]{40,})")),
    ("an Azure AD client secret", re.compile(
        r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])")),
    ("a GitHub token", re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|"
                                  r"github_pat_[A-Za-z0-9_]{60,255})(?![A-Za-z0-9_])")),
    ("a GitLab token", re.compile(r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_\-]{20,}")),
    ("a Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z\-]{10,}")),
    ("a Slack webhook", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/"
                                   r"[A-Za-z0-9]{16,}")),
    ("a Stripe secret key", re.compile(r"(?<![A-Za-z0-9_])[sr]k_live_[0-9A-Za-z]{16,}")),
)

# scheme://user:password@host: the password is there when something non-empty and not a
# placeholder sits between the colon and the @.
_URL_CREDENTIALS = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*)://([^\s:/@'\"<>]*):([^\s@/'\"<>]+)@"
                              r"([A-Za-z0-9.\-_\[\]]+)")
_PLACEHOLDER = re.compile(r"^(?:\$.*|\{\{.*|<.*>|\*+|x+|%s|%\(.*\)s|\.\.\.|changeme|password|"
                          r"pass|secret|redacted|REDACTED|\[.*\])$", re.IGNORECASE)


def credentials_in(text: object) -> Iterator[str]:
    """What kinds of credential `text` holds, each once, as a phrase for a message."""
    if not isinstance(text, str) or len(text) < 8:
        return
    for what, pattern in _SHAPES:
        if pattern.search(text):
            yield what
    for m in _URL_CREDENTIALS.finditer(text):
        if not _PLACEHOLDER.match(m.group(3)):
            yield f"a password inside a {m.group(1).lower()}:// URL to host '{m.group(4)}'"
            break
