"""Test helper: a one-entry generator runner (the loader is tests/helpers/loader.py, the
kubectl oracle the `kubectl_kustomize` fixture of tests/conftest.py)."""

from __future__ import annotations

from lamina.generators.configmap import make_configmap_generator, make_secret_generator
from lamina.model.resmap import ResMap
from lamina.transformers.base import PluginContext


def generate(entry: dict, ctx: PluginContext, kind: str = "ConfigMap") -> ResMap:
    make = make_configmap_generator if kind == "ConfigMap" else make_secret_generator
    return make(entry, ctx).generate()

