"""Test helpers: a plain directory loader and a one-entry generator runner.

The kubectl oracle is the `kubectl_kustomize` fixture of tests/conftest.py."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lamina.errors import KustomizationError
from lamina.generators.configmap import make_configmap_generator, make_secret_generator
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext


@dataclass(frozen=True)
class DirLoader:
    """Reads files below one directory; enough of the FileLoader protocol for generators."""

    root: str

    def read_bytes(self, path: str) -> bytes:
        full = os.path.join(self.root, path)
        if not os.path.isfile(full):
            raise KustomizationError(f"'{full}' must resolve to a file")
        return Path(full).read_bytes()

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8")

    def display(self, path: str) -> str:
        return path


def generate(entry: dict, ctx: PluginContext, kind: str = "ConfigMap") -> ResMap:
    make = make_configmap_generator if kind == "ConfigMap" else make_secret_generator
    return make(entry, ctx).generate()

