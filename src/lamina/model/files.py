"""The file-reading interface that transformers, patches and generators are given: the
kustomize loader (kustomize/loader.py) implements it under the load restrictor, so the
lower layers read files without importing the dialect."""

from __future__ import annotations

from typing import Protocol


class FileLoader(Protocol):
    """Reads files relative to one kustomization directory, under the load restrictor."""

    # A read-only property, so a frozen dataclass (kustomize/loader.py) satisfies it.
    @property
    def root(self) -> str:
        """The absolute directory of the kustomization being built."""
        ...

    def read_text(self, path: str) -> str:
        """Return the file's text; raise LaminaError when it is missing or outside the root."""
        ...

    def display(self, path: str) -> str:
        """The path as it should appear in messages and origin annotations."""
        ...
