"""A plain FileLoader over one folder, for plugin tests that run without a kustomization."""

from __future__ import annotations

import os
from pathlib import Path

from lamina.errors import KustomizationError


class DirLoader:
    """Reads files below `root` as lamina's FileLoader does (bytes, then UTF-8, no newline
    translation); paths are shown as given."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = str(root)

    def read_bytes(self, path: str) -> bytes:
        full = os.path.join(self.root, path)
        if not os.path.isfile(full):
            raise KustomizationError(f"open {full}: no such file or directory")
        return Path(full).read_bytes()

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8")

    def display(self, path: str) -> str:
        return path
