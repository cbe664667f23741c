"""The few error types lamina raises; the CLI turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRef:
    """Where something came from: a file, and a 1-based line and column when known."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class LaminaError(Exception):
    """A problem with the user's input. Carries an optional SourceRef for the message."""

    def __init__(self, message: str, source: SourceRef | None = None):
        # Both go into args so the error survives pickling (renders run in worker processes).
        super().__init__(message, source)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        if self.source is None:
            return self.message
        return f"{self.source}: {self.message}"


class YamlError(LaminaError):
    """A document that cannot be read: bad syntax, duplicate keys, alias bombs."""


class KustomizationError(LaminaError):
    """A kustomization that Kustomize would refuse: unknown fields, bad references, conflicts."""


class ResourceError(LaminaError):
    """A problem tied to one resource: conflicts, missing targets, invalid fields."""


class NotSupportedError(LaminaError):
    """A valid Kustomize feature that lamina does not implement yet (helm, remote, exec)."""


class LaminaWarning(UserWarning):
    """Something lamina ignored and says so (a corrupt ledger, say); the CLI prints it as
    one `Warning: ...` line on stderr."""
