"""Fixtures for the patch tests: a minimal FileLoader over one directory."""

from __future__ import annotations

import os
from typing import Callable

import pytest

from lamina.errors import KustomizationError


class DirLoader:
    """Reads files below `root`; paths are shown as given."""

    def __init__(self, root):
        self.root = str(root)

    def read_text(self, path: str) -> str:
        full = os.path.join(self.root, path)
        if not os.path.isfile(full):
            raise KustomizationError(f"open {full}: no such file or directory")
        with open(full, encoding="utf-8") as fh:
            return fh.read()

    def display(self, path: str) -> str:
        return path


@pytest.fixture
def dir_loader() -> Callable[[object], DirLoader]:
    return DirLoader
