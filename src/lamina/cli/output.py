"""Writing build output: stdout, one file, or one file per resource (Kustomize's names)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from lamina.model.resmap import ResMap


def _atomic_write(path: str, data: str) -> None:
    import tempfile
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lamina-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _file_name(res) -> str:
    gvk = res.gvk
    parts = [p for p in (gvk.group, gvk.version, gvk.kind) if p]
    return "_".join(parts).lower() + "_" + res.name.lower() + ".yaml"


def write_output(resmap: ResMap, output: str | None) -> None:
    from lamina.yaml import dump, dump_all
    if output is None:
        sys.stdout.write(dump_all([r.obj for r in resmap]))
        return
    if not os.path.isdir(output):
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


def say(message: str) -> None:
    """A progress or status line for people: stderr, so stdout stays the data."""
    click.echo(message, err=True)


def lock_timeout_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--lock-timeout", type=click.FloatRange(min=0), default=600.0,
                        show_default=True, metavar="SECONDS",
                        help="How long to wait for another lamina run using the same output "
                             "folder before giving up.")(func)
