"""`lamina build`: one kustomization built exactly as Kustomize v5.8.1 builds it, printed or
written (`-o`) as Kustomize writes it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from lamina.errors import LaminaError, SourceRef
from lamina.kustomize import build as engine
from lamina.kustomize.dialect import ValuesOptions
from lamina.kustomize.loader import ROOT_ONLY
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource


@dataclass(frozen=True)
class BuildOptions:
    """The kustomization folder, whether files outside a kustomization's folder may be read
    (`LoadRestrictionsRootOnly`, Kustomize's default, or `LoadRestrictionsNone`), and
    values given on the command line for lamina-dialect templates."""

    directory: str = "."
    load_restrictor: str = ROOT_ONLY
    values: ValuesOptions = field(default_factory=ValuesOptions)


@dataclass(frozen=True)
class BuildResult:
    """The built resources, in Kustomize's output order."""

    resources: ResMap

    def objects(self) -> list[dict[str, Any]]:
        """The resources as plain dicts (owned by the result: copy before changing them)."""
        return [r.obj for r in self.resources]

    def yaml(self) -> str:
        """What `lamina build` prints: the same bytes as `kustomize build`."""
        from lamina.yaml import dump_all
        return dump_all(self.objects())


def build(options: BuildOptions = BuildOptions()) -> BuildResult:
    resmap = engine.build(options.directory, engine.BuildOptions(
        load_restrictor=options.load_restrictor, values=options.values))
    return BuildResult(resmap)


def write_output(result: BuildResult, output: str) -> None:
    """Kustomize's `-o`: one file, or into a folder one file per resource, named as
    Kustomize names them. Every file goes through fsguard: written whole (temporary and
    rename), never through a link, never outside the folder (a resource name such as
    `../../x` is refused, where Kustomize would write outside)."""
    from lamina.fsguard import Folder, atomic_write, fault
    from lamina.yaml import dump
    # As with other CLIs: a trailing `/` (or an existing folder) means a folder, and
    # missing folders on the way are made.
    as_folder = output.endswith(("/", os.sep)) or os.path.isdir(output)
    _make_folder(output if as_folder else os.path.dirname(os.path.abspath(output)))
    if not as_folder:
        try:
            atomic_write(output, result.yaml())
        except OSError as exc:
            raise fault(exc, output) from None
        return
    folder = Folder(output, display=output)
    resmap = result.resources
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


def _make_folder(path: str) -> None:
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


def _file_name(res: Resource) -> str:
    gvk = res.gvk
    parts = [p for p in (gvk.group, gvk.version, gvk.kind) if p]
    return "_".join(parts).lower() + "_" + res.name.lower() + ".yaml"


def _checked(name: str) -> str:
    from lamina.fsguard import check_name
    return check_name(name, "file name (from the resource's kind and name)")
