"""The one owner of the paths lamina writes, renames and deletes, and of atomic writes.

In CI every file of the checked-out tree is written by whoever opened the pull request,
the committed output folder included (its ledger and journal too). So no name that comes
from the tree (an environment or cluster name, a ledger or journal entry, a file name
made from a resource) is trusted to stay where it says:

- `check_name()` refuses a relative path that is empty, absolute, has a NUL, a backslash,
  an empty, `.` or `..` component, or a component or whole that no file system takes.
  Look-alike characters (U+2024 ONE DOT LEADER, fullwidth dots and slashes) are ordinary
  characters to every file system, so a name made of them stays one component, inside.
- `Folder` is an output folder: it resolves a checked name below its root with lstat()
  on each component, never following a symbolic link (a link anywhere inside the folder
  is refused, not followed), and every write, rename and delete lamina does there goes
  through its methods.
- `atomic_write()` is the one "temporary file beside it, then rename" writer (the caches,
  `build -o`, `promote`, the ledger and journal).
- `fault()` turns the environment's refusals (disk full, read-only file system, permission
  denied) into one message naming the path and the cause, instead of a traceback.

The modules: `paths` (names and paths), `atomic` (the writer), `folder` (`Folder`),
`faults` (the environment's refusals).
"""

from lamina.fsguard.atomic import atomic_write
from lamina.fsguard.faults import ENVIRONMENT_ERRNOS, WriteFault, cause, fault
from lamina.fsguard.folder import Folder
from lamina.fsguard.paths import (MAX_COMPONENT_BYTES, MAX_PATH_BYTES, PathRefused, check_name,
                                  fit_component, is_inside, is_safe_name, real_dir_chain,
                                  safe_component, shown_path)

__all__ = [
    "ENVIRONMENT_ERRNOS", "MAX_COMPONENT_BYTES", "MAX_PATH_BYTES", "Folder", "PathRefused",
    "WriteFault", "atomic_write", "cause", "check_name", "fault", "fit_component", "is_inside",
    "is_safe_name", "real_dir_chain", "safe_component", "shown_path",
]
