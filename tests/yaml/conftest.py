"""The YAML tests' `kustomize` fixture."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.cli import KubectlKustomize
from tests.yaml.yamltest_helpers import write_resource


@pytest.fixture(scope="session")
def kustomize(
    kubectl_kustomize: KubectlKustomize,
) -> Callable[[Path, str], subprocess.CompletedProcess[str]]:
    """`kustomize(workdir, text)`: `kubectl kustomize` on a kustomization listing one resource."""
    return lambda workdir, text: kubectl_kustomize(write_resource(workdir, text))
