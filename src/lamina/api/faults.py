"""The environment's faults (a full disk, a read-only folder, a denied permission) as one
message naming the path and the cause, for errors that reached the top without one."""

from __future__ import annotations

from lamina.errors import LaminaError
from lamina.fsguard import ENVIRONMENT_ERRNOS, fault

__all__ = ["environment_fault"]


def environment_fault(exc: OSError) -> LaminaError | None:
    """`exc` as a user-facing error when the environment caused it; None when it is not one
    of those errors (then it is a bug in lamina)."""
    return fault(exc) if exc.errno in ENVIRONMENT_ERRNOS else None
