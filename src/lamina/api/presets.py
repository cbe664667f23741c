"""The names of the check presets, for `lamina check --preset`: listed from the shipped
preset files (checks/presets/*.yaml) without importing the checks, so the command starts fast."""

from __future__ import annotations

from lamina.checks import PRESETS

__all__ = ["PRESETS"]
