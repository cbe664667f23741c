"""Writing build output: stdout, one file, or one file per resource (Kustomize's names)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lamina.model.resmap import ResMap


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: str, data: str) -> None:
    import tempfile
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lamina-", dir=directory)
    try:
        # mkstemp makes the file 0600; the output is the user's, created as any other
        # file would be (0666 less the umask).
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _make_folder(path: str) -> None:
    from lamina.errors import LaminaError, SourceRef
    try:
        os.makedirs(path, exist_ok=True)
    except FileExistsError:
        raise LaminaError("is a file, not a folder: choose another -o path, or drop the "
                          "trailing / to write one file", SourceRef(path.rstrip("/"))) from None
    except NotADirectoryError:
        raise LaminaError("a parent of this -o folder is a file: choose another path",
                          SourceRef(path)) from None
    except OSError as exc:
        raise LaminaError(f"cannot create the -o folder: {exc.strerror}", SourceRef(path)) from None


def _file_name(res) -> str:
    gvk = res.gvk
    parts = [p for p in (gvk.group, gvk.version, gvk.kind) if p]
    return "_".join(parts).lower() + "_" + res.name.lower() + ".yaml"


def write_output(resmap: ResMap, output: str | None) -> None:
    from lamina.yaml import dump, dump_all
    if output is None:
        sys.stdout.write(dump_all([r.obj for r in resmap]))
        return
    # As with other CLIs: a trailing `/` (or an existing folder) means a folder, and
    # missing folders on the way are made.
    as_folder = output.endswith(("/", os.sep)) or os.path.isdir(output)
    _make_folder(output if as_folder else os.path.dirname(os.path.abspath(output)))
    if not as_folder:
        _atomic_write(output, dump_all([r.obj for r in resmap]))
        return
    namespaced = [r for r in resmap if not r.gvk.is_cluster_scoped]
    namespaces = {r.namespace for r in namespaced}
    for res in namespaced:
        name = _file_name(res)
        if len(namespaces) > 1:
            name = res.namespace.lower() + "_" + name
        _atomic_write(os.path.join(output, name), dump(res.obj))
    for res in resmap:
        if res.gvk.is_cluster_scoped:
            _atomic_write(os.path.join(output, _file_name(res)), dump(res.obj))
