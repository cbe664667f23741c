"""Holds: a rolled-back environment stays as it was rolled back to until someone releases
it, as Argo CD turns auto-sync off after a rollback.

A hold is recorded twice on the rendered branch: in the trailers of the rollback commit
(publish/trailers.py) and in the environment's own `hydrator.metadata` (`lamina.hold`),
which every later commit carries unchanged while the hold lasts. The metadata is what
publish, status and history read: the branch tip alone says which environments are held."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from lamina.git import Git
from lamina.project.layout import METADATA_FILE, json_text


@dataclass(frozen=True)
class Hold:
    environment: str
    since: str                  # when the rollback was made, ISO 8601 UTC
    by: str                     # "Name <email>"
    reason: str
    rendered_from: str          # the branch tip the rollback replaced
    rendered_to: str            # the rendered commit whose files it restored
    source: str                 # that commit's source (drySha)

    def line(self) -> str:
        return (f"{self.environment}: held since {self.since} by {self.by}: "
                f"{self.reason or '(no reason given)'}")

    def as_json(self) -> dict[str, str]:
        data = asdict(self)
        del data["environment"]
        return data


def metadata_paths(paths: list[str], prefix: str) -> list[str]:
    """The hydrator.metadata files of one environment (one per cluster)."""
    return sorted(p for p in paths if p.startswith(prefix) and
                  (p == prefix + METADATA_FILE or p.endswith("/" + METADATA_FILE))
                  and p[len(prefix):].count("/") <= 1)


def load(text: str | None) -> dict[str, Any] | None:
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def hold_in(metadata: dict[str, Any] | None, environment: str) -> Hold | None:
    info = (metadata or {}).get("lamina")
    raw = info.get("hold") if isinstance(info, dict) else None
    if not isinstance(raw, dict):
        return None
    fields = ("since", "by", "reason", "rendered_from", "rendered_to", "source")
    return Hold(environment, *(str(raw.get(f, "")) for f in fields))


def read_hold(git: Git, commit: str | None, environment: str, prefix: str,
              paths: list[str] | None = None) -> Hold | None:
    if commit is None:
        return None
    if paths is None:
        paths = [p for _m, _s, p in git.ls_tree(commit)]
    for meta in metadata_paths(paths, prefix):
        hold = hold_in(load(git.read_blob(commit, meta)), environment)
        if hold is not None:
            return hold
    return None


def with_hold(text: str, hold: Hold | None) -> str:
    """The metadata text with `lamina.hold` set (or removed when `hold` is None)."""
    data = load(text) or {}
    info = data.setdefault("lamina", {})
    if hold is None:
        info.pop("hold", None)
    else:
        info["hold"] = hold.as_json()
    return json_text(data) + "\n"


def environments_in(paths: list[str]) -> list[str]:
    """The environments of a single rendered branch: top folders with a metadata file."""
    found = set()
    for p in paths:
        parts = p.split("/")
        if parts[-1] == METADATA_FILE and 2 <= len(parts) <= 3 and \
                not parts[0].startswith((".", "_")):
            found.add(parts[0])
    return sorted(found)
