"""Writing build output: stdout, one file, or one file per resource (Kustomize's names)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from lamina.model.resmap import ResMap


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
    """Kustomize's `-o`: one file, or into a folder one file per resource, named as
    Kustomize names them. Every file goes through fsguard: written whole (temporary and
    rename), never through a link, never outside the folder (a resource name such as
    `../../x` is refused, where Kustomize would write outside)."""
    from lamina.fsguard import Folder, atomic_write, fault
    from lamina.yaml import dump, dump_all
    if output is None:
        sys.stdout.write(dump_all([r.obj for r in resmap]))
        return
    # As with other CLIs: a trailing `/` (or an existing folder) means a folder, and
    # missing folders on the way are made.
    as_folder = output.endswith(("/", os.sep)) or os.path.isdir(output)
    _make_folder(output if as_folder else os.path.dirname(os.path.abspath(output)))
    if not as_folder:
        try:
            atomic_write(output, dump_all([r.obj for r in resmap]))
        except OSError as exc:
            raise fault(exc, output) from None
        return
    folder = Folder(output, display=output)
    namespaced = [r for r in resmap if not r.gvk.is_cluster_scoped]
    namespaces = {r.namespace for r in namespaced}
    for res in namespaced:
        name = _file_name(res)
        if len(namespaces) > 1:
            name = res.namespace.lower() + "_" + name
        folder.write_atomic(_checked(name), dump(res.obj))
    for res in resmap:
        if res.gvk.is_cluster_scoped:
            folder.write_atomic(_checked(_file_name(res)), dump(res.obj))


def _checked(name: str) -> str:
    from lamina.fsguard import check_name
    return check_name(name, "file name (from the resource's kind and name)")


def say(message: str) -> None:
    """A progress or status line for people: stderr, so stdout stays the data."""
    click.echo(message, err=True)


def lock_timeout_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--lock-timeout", type=click.FloatRange(min=0), default=600.0,
                        show_default=True, metavar="SECONDS",
                        help="How long to wait for another lamina run using the same output "
                             "folder before giving up.")(func)
