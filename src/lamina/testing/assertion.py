"""`lamina_snapshot`: compare a built overlay, resource by resource, with `snapshots/`."""

from __future__ import annotations

import os
import warnings
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.terminal import disable_color

from lamina.testing.overlay import build_overlay, resource_files

if TYPE_CHECKING:
    from lamina.kustomize.build import BuildOptions


class LaminaSnapshot:
    """Wraps syrupy's `snapshot` fixture, already switched to `YamlSnapshotExtension`."""

    def __init__(self, snapshot: SnapshotAssertion, rootdir: Path, color: bool = False) -> None:
        self.snapshot = snapshot
        self.rootdir = rootdir
        self.color = color

    def assert_build(self, directory: str | os.PathLike[str], name: str | None = None,
                     options: BuildOptions | None = None) -> None:
        """Build `directory` (relative to the pytest rootdir) and compare every resource
        with `snapshots/<name>/<resource file>.yaml`; `name` defaults to the folder's name.
        `options` (a `lamina.kustomize.build.BuildOptions`) carries `--values`/`--set`.

        Every resource is compared before the test fails, so one run reports every
        difference and `--snapshot-update` rewrites every file. A resource that is no longer
        built leaves its file unused, which fails the session.
        """
        path = Path(self.rootdir, directory)
        prefix = name or path.name
        failures = []
        for stem, text in resource_files(build_overlay(path, options)).items():
            diff = self._compare(text, f"{prefix}/{stem}")
            if diff:
                failures.append(diff)
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)

    def assert_match(self, data: Any, name: str) -> None:
        """Compare one text or object with `snapshots/<name>.yaml`."""
        diff = self._compare(data, name)
        if diff:
            pytest.fail(diff, pytrace=False)

    def _compare(self, data: Any, name: str) -> str | None:
        assertion = self.snapshot(name=name)
        with warnings.catch_warnings():
            # The file is named after the resource, not the test, on purpose.
            warnings.filterwarnings("ignore", r"\s*Can not relate snapshot", UserWarning)
            matches = assertion == data
        if matches:
            return None
        location = assertion.extension.get_location(
            test_location=assertion.test_location, index=name)
        with nullcontext() if self.color else disable_color():
            lines = assertion.get_assert_diff()
        return "\n".join([f"{os.path.relpath(location, self.rootdir)}:", *lines])
