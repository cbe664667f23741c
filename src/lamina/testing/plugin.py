"""The `lamina` pytest plugin, registered through the `pytest11` entry point.

Installing lamina loads this plugin into every pytest run, so it imports nothing heavy at
start-up and works without syrupy until a test asks for `lamina_snapshot`. It adds:
- the `lamina_snapshot` fixture (see `LaminaSnapshot`), built on syrupy's `snapshot`;
- the ini option `lamina_snapshot_dir`, the snapshot folder relative to the rootdir.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lamina.testing.settings import DEFAULT_SNAPSHOT_DIR, SNAPSHOT_DIR_INI

if TYPE_CHECKING:
    from lamina.testing.assertion import LaminaSnapshot


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(SNAPSHOT_DIR_INI, "folder, relative to the rootdir, holding lamina's YAML "
                  f"snapshots (default: {DEFAULT_SNAPSHOT_DIR})", default=DEFAULT_SNAPSHOT_DIR)


@pytest.fixture
def lamina_snapshot(request: pytest.FixtureRequest) -> LaminaSnapshot:
    try:
        snapshot = request.getfixturevalue("snapshot")
    except pytest.FixtureLookupError:
        pytest.fail("lamina_snapshot needs syrupy: pip install 'syrupy>=7'", pytrace=False)
    from lamina.testing.assertion import LaminaSnapshot
    from lamina.testing.extension import YamlSnapshotExtension
    config = request.config
    color = config.get_terminal_writer().hasmarkup and not config.option.no_colors
    return LaminaSnapshot(snapshot.use_extension(YamlSnapshotExtension), config.rootpath, color)
