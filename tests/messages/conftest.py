"""The message tests' project fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.messages import project_files
from tests.helpers.trees import write_tree


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """base (a .j2 Deployment) and two overlays, dev and prod (tests/helpers/messages.py)."""
    return write_tree(tmp_path, project_files())
