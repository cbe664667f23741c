"""Fixtures for the patch tests: a minimal FileLoader over one directory."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.helpers.loader import DirLoader


@pytest.fixture
def dir_loader() -> Callable[[object], DirLoader]:
    return DirLoader
