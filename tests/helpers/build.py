"""Building a kustomization in this process, for comparing with the oracle's output."""

from __future__ import annotations

from pathlib import Path

from lamina.errors import LaminaError
from lamina.kustomize.build import build, render


def build_in_process(root: Path) -> tuple[bool, str]:
    """(True, what `lamina build ROOT` prints) or (False, its error message)."""
    try:
        return True, render(build(str(root)))
    except LaminaError as err:
        return False, str(err)
