"""The `project` fixture (a scratch git repository holding a small lamina project) and the
`origin` fixture (a bare remote holding its main branch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.publish import add_origin, init_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return init_project(tmp_path)


@pytest.fixture
def origin(project: Path, tmp_path: Path) -> Path:
    """A bare remote holding the project's main branch, added as `origin`."""
    return add_origin(project, tmp_path)
