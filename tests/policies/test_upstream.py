"""The pinned upstream cases (tests/policies/data/) agree with lamina, case by case."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies import agreement

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("engine,folder", [("gatekeeper", "gatekeeper-library"),
                                           ("kyverno", "kyverno-policies"), ("vap", "vap")])
def test_upstream_expectations(engine: str, folder: str) -> None:
    pytest.importorskip({"gatekeeper": "regorus", "kyverno": "jmespath"}.get(engine, "cel"))
    tally = getattr(agreement, engine)(str(DATA / folder))
    assert tally.total >= 10
    assert tally.disagree == []
