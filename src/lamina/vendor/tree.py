"""Which kustomizations use which remote references, and which files of a checkout a
reference uses: its folder, plus the in-repository folders and files its kustomizations
reach (a remote base may use `../common`, as Kustomize allows inside the clone)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Any

import yaml

from lamina.vendor.charts import ChartRef, chart_refs
from lamina.vendor.lock import VendorError
from lamina.vendor.remote import is_remote

KUSTOMIZATION_FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_SKIP_DIRS = {".git", "node_modules"}


@dataclass(frozen=True)
class Use:
    url: str
    kustomization: str     # the file that lists it, absolute
    file: bool = False     # named where Kustomize reads one file (a patch, a generator's file)
    chart: ChartRef | None = None     # a remote Helm chart (`url` is its lock key)


def _http(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _file_urls(doc: dict[str, Any]) -> list[str]:
    """http(s) URLs where Kustomize v5.8.1 loads a single file: its file loader GETs them
    (patches, generators' files and env files, replacements, crds, configurations); any
    other URL-like string there is a local path to it, missing as a file."""
    return [p for p in _file_paths(doc) if _http(p)]


def _file_paths(doc: dict[str, Any]) -> list[str]:
    """Every path or URL a kustomization names where Kustomize loads a single file."""
    out: list[str] = []

    def add(value: object) -> None:
        if isinstance(value, str):
            value = value.partition("=")[2].strip() if "=" in value.split("://")[0] else value
            if value:
                out.append(value)

    for key in ("patches", "patchesJson6902", "replacements"):
        for item in doc.get(key) or []:
            if isinstance(item, dict):
                add(item.get("path"))
    for key in ("patchesStrategicMerge", "crds", "configurations"):
        for item in doc.get(key) or []:
            add(item)
    openapi = doc.get("openapi")
    if isinstance(openapi, dict):
        add(openapi.get("path"))
    for item in doc.get("helmCharts") or []:
        if isinstance(item, dict):
            add(item.get("valuesFile"))
            for value in item.get("additionalValuesFiles") or []:
                add(value)
    for key in ("configMapGenerator", "secretGenerator"):
        for item in doc.get(key) or []:
            if isinstance(item, dict):
                for sub in ("files", "envs"):
                    for value in item.get(sub) or []:
                        add(value)
                add(item.get("env"))
    return out


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _entries(path: str) -> list[str]:
    doc = _load(path)
    out: list[str] = []
    for key in ("resources", "components", "bases"):
        value = doc.get(key)
        if isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
    return out


def kustomization_files(folder: str, skip: set[str]) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS
                             and os.path.realpath(os.path.join(dirpath, d)) not in skip)
        for name in KUSTOMIZATION_FILE_NAMES:
            if name in filenames:
                found.append(os.path.join(dirpath, name))
                break
    return found


def remote_uses(folders: list[str], skip: set[str]) -> list[Use]:
    uses: list[Use] = []
    for folder in folders:
        for kust in kustomization_files(folder, skip):
            uses.extend(Use(e, kust) for e in _entries(kust) if is_remote(e))
            doc = _load(kust)
            uses.extend(Use(u, kust, file=True) for u in _file_urls(doc))
            uses.extend(Use(c.key, kust, chart=c) for c in chart_refs(doc))
    return uses


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def used_files(checkout: str, subpath: str, what: str) -> set[str]:
    """Relative paths (under `checkout`) of the files a reference to `subpath` uses."""
    start = os.path.normpath(os.path.join(checkout, subpath.lstrip("/")))
    if not _inside(start, checkout):
        raise VendorError(f"{what}: path '{subpath}' escapes the repository")
    if not os.path.isdir(start) or os.path.islink(start):
        raise VendorError(f"{what}: '{subpath or '/'}' is not a folder of the repository")
    files: set[str] = set()
    queue, seen = [start], set()
    while queue:
        folder = queue.pop()
        if folder in seen:
            continue
        seen.add(folder)
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    raise VendorError(f"{what}: symlink '{os.path.relpath(full, checkout)}' "
                                      "refused: vendored trees hold plain files only")
            files.update(os.path.relpath(os.path.join(dirpath, n), checkout) for n in filenames)
            for name in KUSTOMIZATION_FILE_NAMES:
                if name in filenames:
                    # Files named by patches and generators need nothing more: Kustomize
                    # reads a clone with LoadRestrictionsRootOnly whatever the flag says, so
                    # they lie under their kustomization's folder, copied whole.
                    for entry in _entries(os.path.join(dirpath, name)):
                        if is_remote(entry):
                            continue
                        target = os.path.normpath(os.path.join(dirpath, entry))
                        if not _inside(target, checkout) or not os.path.exists(target):
                            continue    # Kustomize refuses it at build time, with its message
                        if os.path.isdir(target) and not _inside(target, folder):
                            queue.append(target)
                        elif os.path.isfile(target) and not os.path.islink(target):
                            files.add(os.path.relpath(target, checkout))
    return files


def copy_files(checkout: str, files: set[str], dest: str) -> None:
    for rel in sorted(files):
        if rel.startswith("..") or os.path.isabs(rel):
            raise VendorError(f"'{rel}' escapes the vendored folder")
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(checkout, rel), target)


def vendor_dir_for(host: str, org_repo: str, commit: str) -> str:
    """vendor/<host>/<org/repo>/<commit>: readable in a pull request's file list."""
    host = re.sub(r"^[a-z+]+://", "", host.lower()).replace("git@", "").replace("git::", "")
    parts = [p for p in re.split(r"[/:]+", f"{host}/{org_repo}") if p not in ("", ".", "..")]
    parts = [re.sub(r"[^A-Za-z0-9._-]", "_", p) for p in parts]
    if len(parts) > 1 and parts[-1].endswith(".git") and commit:
        # org/repo and org/repo.git are one repository: one folder per commit of it.
        parts[-1] = parts[-1][:-len(".git")] or parts[-1]
    return "/".join(parts + [commit])
