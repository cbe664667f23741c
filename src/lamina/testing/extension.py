"""A syrupy extension that keeps rendered output as plain YAML files under `snapshots/`.

syrupy's single-file extensions put snapshots beside each test module and name them after
the test. A rendered GitOps repository reads better the other way round: one folder at the
repository root, one file per rendered resource, named after the resource, so a pull request
lists exactly the resources a change touches. The name given to `snapshot(name=...)` is the
path of the file below that folder, without `.yaml`; it may contain `/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from syrupy.data import Snapshot, SnapshotCollection, SnapshotCollections
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

if TYPE_CHECKING:
    from syrupy.location import PyTestLocation
    from syrupy.types import SerializableData, SerializedData, SnapshotIndex

from lamina.testing.settings import DEFAULT_SNAPSHOT_DIR, SNAPSHOT_DIR_INI


def snapshot_root(config: Any) -> Path:
    """`<rootdir>/snapshots`, or the folder the `lamina_snapshot_dir` ini option names."""
    configured = config.getini(SNAPSHOT_DIR_INI) or DEFAULT_SNAPSHOT_DIR
    return Path(config.rootpath, configured)


class YamlSnapshotExtension(SingleFileSnapshotExtension):
    file_extension = "yaml"
    _write_mode = WriteMode.TEXT

    def serialize(self, data: SerializableData, **_: Any) -> SerializedData:
        """Text passes through unchanged; anything else is written as Kustomize writes YAML."""
        if isinstance(data, str):
            return data
        from lamina.yaml import dump
        return dump(data)

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(snapshot_root(test_location.item.config))

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        return cls.dirname(test_location=test_location)

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation,
                          index: SnapshotIndex = 0) -> str:
        if isinstance(index, str):
            parts = [cls._sanitize_filename(p) for p in index.split("/")]
            return "/".join(p for p in parts if p not in ("", ".", ".."))
        return super().get_snapshot_name(test_location=test_location, index=index)

    @classmethod
    def matches_test_location(cls, *, test_location: PyTestLocation,
                              snapshot_location: str) -> bool:
        return Path(snapshot_location).is_relative_to(cls.dirname(test_location=test_location))

    def discover_snapshots(self, *, test_location: PyTestLocation,
                           ignore_extensions: list[str] | None = None) -> SnapshotCollections:
        """Every file below the folder; a `.yaml` file holds the snapshot named by its path.

        Anything else in the folder belongs to no test, so syrupy reports it as unused.
        """
        root = Path(self.dirname(test_location=test_location))
        ignored = set(ignore_extensions or ())
        discovered = SnapshotCollections()
        if not root.is_dir():
            return discovered
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.startswith(".") or path.suffix[1:] in ignored:
                continue
            collection = SnapshotCollection(location=str(path))
            if path.suffix == "." + self.file_extension:
                name = path.relative_to(root).with_suffix("").as_posix()
                collection.add(Snapshot(name=name))
            discovered.add(collection)
        return discovered

    def delete_snapshots(self, *, snapshot_location: str, snapshot_names: set[str]) -> None:
        """Delete the file, and its folder once that is empty (git keeps no empty folders)."""
        path = Path(snapshot_location)
        path.unlink(missing_ok=True)
        if path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()
