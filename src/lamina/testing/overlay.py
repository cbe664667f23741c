"""Build an overlay for a test and split the output into one YAML text per resource."""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

from lamina.model.resmap import ResMap

if TYPE_CHECKING:
    from lamina.kustomize.build import BuildOptions


def build_overlay(directory: str | os.PathLike[str], options: BuildOptions | None = None) -> ResMap:
    """The resources `lamina build DIRECTORY` prints, in the order it prints them.

    `options` carries what the command line would (`--values`, `--set`, load restrictor).
    """
    from lamina.kustomize.build import BuildOptions, build
    return build(os.fspath(directory), options or BuildOptions())


def render_overlay(directory: str | os.PathLike[str], options: BuildOptions | None = None) -> str:
    """The exact text `lamina build DIRECTORY` prints."""
    from lamina.kustomize.build import render
    return render(build_overlay(directory, options))


def resource_files(resmap: ResMap) -> dict[str, str]:
    """Each resource's YAML under the file name `lamina build -o DIR` gives it, minus `.yaml`.

    Names are `<group>_<version>_<kind>_<name>`, lower case; when the output spans several
    namespaces, namespaced resources are prefixed with `<namespace>_` so no two collide.
    """
    from lamina.yaml import dump
    namespaces = {r.namespace for r in resmap if not r.gvk.is_cluster_scoped}
    files: dict[str, str] = {}
    for res in resmap:
        gvk = res.gvk
        stem = "_".join(p for p in (gvk.group, gvk.version, gvk.kind) if p) + "_" + res.name
        if len(namespaces) > 1 and not gvk.is_cluster_scoped:
            stem = f"{res.namespace}_{stem}"
        files[stem.lower()] = dump(res.obj)
    return files
