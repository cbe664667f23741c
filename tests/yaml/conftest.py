"""The YAML tests' `kustomize` fixture, and `yamltest_helpers` importable in any import mode."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from yamltest_helpers import write_resource  # noqa: E402


@pytest.fixture(scope="session")
def kustomize(
    kubectl_kustomize: Callable[[Path], subprocess.CompletedProcess[str]],
) -> Callable[[Path, str], subprocess.CompletedProcess[str]]:
    """`kustomize(workdir, text)`: `kubectl kustomize` on a kustomization listing one resource."""
    return lambda workdir, text: kubectl_kustomize(write_resource(workdir, text))
