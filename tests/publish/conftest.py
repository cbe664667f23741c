"""The `project` fixture: a scratch git repository holding a small lamina project."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.git import git
from tests.helpers.project import write_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "src"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_project(repo, {"dev": 1, "prod": 2})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    return repo
