"""Which checks run, at what level and with which options: presets plus lamina.yaml.

```yaml
checks:
  preset: default            # or strict
  rules:
    probes: {level: error}
    resources: {enabled: false}
    required-labels: {labels: [app.kubernetes.io/name, team]}
```

A resource opts out of a check with an annotation that must give a reason:
`lamina.dev/ignore-checks: "probes: batch job, exits in seconds; resources: sidecar-less"`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from typing import Any

import yaml

from lamina.checks import PRESET_DIR, PRESETS, registry
from lamina.checks.base import ERROR, LEVELS, WARNING
from lamina.errors import LaminaError, SourceRef

IGNORE_ANNOTATION = "lamina.dev/ignore-checks"


class CheckConfigError(LaminaError):
    """lamina.yaml's checks section is wrong."""


@dataclass(frozen=True)
class Rule:
    check_id: str
    enabled: bool
    level: str
    options: Any


@dataclass(frozen=True)
class Preset:
    """One file of checks/presets/: whether every check runs, one level for all of them
    (None: each check's own), and options by check ID."""

    name: str
    enable_all: bool
    level: str | None
    rules: dict[str, dict[str, Any]]


@functools.cache
def preset(name: str) -> Preset:
    """The preset called `name` (one of PRESETS), read from its shipped file."""
    if name not in PRESETS:
        raise CheckConfigError(f"checks.preset must be one of {', '.join(PRESETS)}, got '{name}'")
    with open(os.path.join(PRESET_DIR, f"{name}.yaml"), encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return Preset(name, bool(data.get("enable_all")), data.get("level"),
                  {check_id: {_snake(k): v for k, v in (options or {}).items()}
                   for check_id, options in (data.get("rules") or {}).items()})


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).replace("-", "_")


def rules(section: dict[str, Any] | None, preset_override: str | None = None,
          project_root: str | None = None) -> list[Rule]:
    """The rules `section` (lamina.yaml's `checks:`) configures; with `project_root`, an
    error names the line of lamina.yaml that holds the mistake."""
    try:
        return _rules(section, preset_override)
    except CheckConfigError as exc:
        if project_root is None or exc.source is not None:
            raise
        from lamina.yaml.positions import file_position
        at = None
        for key in getattr(exc, "keys", ()) or (("checks",),):
            at = file_position(os.path.join(project_root, "lamina.yaml"), key)
            if at is not None:
                break
        raise CheckConfigError(exc.message, SourceRef("lamina.yaml", at[0] if at else None)) from None


def _rules(section: dict[str, Any] | None, preset_override: str | None = None) -> list[Rule]:
    section = dict(section or {})
    unknown = set(section) - {"preset", "rules"}
    if unknown:
        raise CheckConfigError(f"checks: unknown key '{sorted(unknown)[0]}' (use preset, rules)")
    name = preset_override or section.get("preset") or "default"
    if name not in PRESETS:
        import difflib
        close = difflib.get_close_matches(str(name), list(PRESETS), 1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        exc = CheckConfigError(f"checks.preset must be one of {', '.join(PRESETS)}, got '{name}'{hint}")
        exc.keys = (("checks", "preset"),)     # type: ignore[attr-defined]
        raise exc
    chosen = preset(name)
    configured = section.get("rules") or {}
    if not isinstance(configured, dict):
        raise CheckConfigError("checks.rules must be a mapping of check ID to settings")
    for check_id in configured:
        if check_id not in registry.CHECKS:
            import difflib
            close = difflib.get_close_matches(str(check_id), list(registry.CHECKS), 1)
            hint = f": did you mean '{close[0]}'?" if close else ""
            exc = CheckConfigError(f"checks.rules: unknown check '{check_id}'{hint} (known: "
                                   f"{', '.join(sorted(registry.CHECKS))})")
            exc.keys = (("checks", "rules", str(check_id)),)     # type: ignore[attr-defined]
            raise exc
    out = []
    for check_id in registry.CHECKS:
        module = registry.load(check_id)
        settings = dict(configured.get(check_id) or {})
        enabled = settings.pop("enabled", getattr(module, "ENABLED", True) or chosen.enable_all)
        level = settings.pop("level", chosen.level or module.LEVEL)
        if level not in LEVELS:
            raise CheckConfigError(f"checks.rules.{check_id}.level must be error or warning")
        values = {**chosen.rules.get(check_id, {}), **{_snake(k): v for k, v in settings.items()}}
        names = {f.name for f in dataclasses.fields(module.Options)}
        bad = set(values) - names
        if bad:
            raise CheckConfigError(f"checks.rules.{check_id}: unknown option '{sorted(bad)[0]}'"
                                   f" (options: {', '.join(sorted(names)) or 'none'})")
        out.append(Rule(check_id, bool(enabled), level, module.Options(**values)))
    return out


def ignored(annotations: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """(check ID -> reason, malformed entries) from the ignore annotation."""
    raw = annotations.get(IGNORE_ANNOTATION)
    if not isinstance(raw, str) or not raw.strip():
        return {}, []
    found, bad = {}, []
    for part in raw.split(";"):
        if not part.strip():
            continue
        check_id, sep, reason = part.partition(":")
        if not sep or not reason.strip() or check_id.strip() not in registry.CHECKS:
            bad.append(part.strip())
            continue
        found[check_id.strip()] = reason.strip()
    return found, bad


__all__ = ["Preset", "PRESETS", "preset", "Rule", "rules", "ignored", "IGNORE_ANNOTATION", "ERROR", "WARNING"]
