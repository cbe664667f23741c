"""Names of the snapshot settings, shared by the pytest plugin and the syrupy extension
(the plugin must not import the extension at start-up: that would import syrupy)."""

SNAPSHOT_DIR_INI = "lamina_snapshot_dir"
DEFAULT_SNAPSHOT_DIR = "snapshots"
