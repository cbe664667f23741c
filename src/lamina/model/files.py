"""The file-reading interface that transformers, patches and generators are given: the
kustomize loader (kustomize/loader.py) implements it under the load restrictor, so the
lower layers read files without importing the dialect."""

from __future__ import annotations

from typing import Protocol


class FileLoader(Protocol):
    """Reads files relative to one kustomization directory, under the load restrictor."""

    @property
    def root(self) -> str:
        """The absolute directory of the kustomization being built (read-only: the
        kustomize loader is a frozen dataclass)."""
        ...

    def read_text(self, path: str) -> str:
        """Return the file's text; raise LaminaError when it is missing or outside the root."""
        ...

    def display(self, path: str) -> str:
        """The path as it should appear in messages and origin annotations."""
        ...
