"""The `ctx` fixture: a PluginContext reading from the test's own tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers.loader import DirLoader

from lamina.transformers.base import PluginContext


@pytest.fixture
def ctx(tmp_path: Path) -> PluginContext:
    return PluginContext(loader=DirLoader(str(tmp_path)), config=None)
