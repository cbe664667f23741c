"""The trailers of rendered-branch commits: the machine-readable half of the audit log.

Every commit lamina makes on a rendered branch carries `Lamina-Source-Sha` (the last source
commit published there), so any commit without it is not lamina's (publish/target.py)."""

from __future__ import annotations

import re

SOURCE_REPO = "Lamina-Source-Repo"
SOURCE_SHA = "Lamina-Source-Sha"
SOURCE_AUTHOR = "Lamina-Source-Author"
SOURCE_SUBJECT = "Lamina-Source-Subject"
SOURCE_DIRTY = "Lamina-Source-Dirty"
SOURCE_DIRTY_DIGEST = "Lamina-Source-Dirty-Digest"
FORCED = "Lamina-Forced"
ENVIRONMENTS = "Lamina-Environments"
HELD = "Lamina-Held"
HOLD = "Lamina-Hold"
HOLD_FROM = "Lamina-Hold-From"
HOLD_TO = "Lamina-Hold-To"
HOLD_SOURCE = "Lamina-Hold-Source"
RELEASE = "Lamina-Release"
REASON = "Lamina-Reason"
PUBLISHED_BY = "Lamina-Published-By"

_LINE = re.compile(r"^(Lamina-[A-Za-z-]+): ?(.*)$")


def one_line(text: str) -> str:
    """A trailer value is one line: collapse any whitespace run (newlines included)."""
    return " ".join(text.split())


def format_trailers(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{key}: {one_line(value)}\n" for key, value in pairs if value != "")


def parse_trailers(message: str) -> dict[str, list[str]]:
    """Every `Lamina-*: value` line of the message's last paragraph, in order."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    found: dict[str, list[str]] = {}
    if not paragraphs:
        return found
    for line in paragraphs[-1].split("\n"):
        m = _LINE.match(line.strip())
        if m:
            found.setdefault(m.group(1), []).append(m.group(2).strip())
    return found


def first(trailers: dict[str, list[str]], key: str) -> str | None:
    values = trailers.get(key)
    return values[0] if values else None


NONE = "(none)"


def names(value: str | None) -> list[str]:
    """`prod, staging` -> ["prod", "staging"]; `(none)` -> []."""
    return [n.strip() for n in (value or "").split(",") if n.strip() and n.strip() != NONE]
