"""The policy engines' tests need the `lamina[policy]` extra: they skip only without it."""

from __future__ import annotations

import pytest

pytest.importorskip("cel", reason="the lamina[policy] extra is not installed")
