"""`lamina vendor`: fetch every remote base and file once, pin it in lamina.lock, and copy
the exact files used into the vendor folder, so that builds run offline and a moved tag
cannot change what is deployed without a reviewed change to the lock."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from lamina.errors import SourceRef
from lamina.vendor import fetch
from lamina.vendor.charts import ChartRef, fetch_chart, unpack
from lamina.vendor.lock import LOCK_NAME, LockEntry, VendorError, read_lock, tree_digest, write_lock
from lamina.vendor.parse import is_http_file, parse_repo_spec
from lamina.vendor.tree import copy_files, remote_uses, used_files, vendor_dir_for


@dataclass(frozen=True)
class VendorOptions:
    project_dir: str = "."
    folders: tuple[str, ...] = ()          # default: the whole project
    vendor_dir: str = "vendor"
    update: bool = False                    # --update: move pins
    update_url: str | None = None           # --update URL: move only this one
    allow_local: bool = False               # file:// and path clone URLs


@dataclass(frozen=True)
class VendorResult:
    entries: tuple[LockEntry, ...]
    changed: tuple[str, ...]                # URLs whose pin or content changed
    lock_path: str


def run_vendor(options: VendorOptions) -> VendorResult:
    project = os.path.realpath(options.project_dir)
    vendor_root = os.path.realpath(os.path.join(project, options.vendor_dir))
    if not vendor_root.startswith(project + os.sep):
        raise VendorError(f"the vendor folder '{options.vendor_dir}' must be inside the project")
    folders = [os.path.realpath(os.path.join(project, f)) for f in options.folders] or [project]
    for folder in folders:
        if not (folder + os.sep).startswith(project + os.sep) or not os.path.isdir(folder):
            raise VendorError(f"'{folder}' is not a folder inside the project")
    lock_path = os.path.join(project, LOCK_NAME)
    old = read_lock(lock_path)
    if options.update_url is not None and options.update_url not in old:
        raise VendorError(f"--update {options.update_url}: no such reference in {LOCK_NAME}")
    entries: dict[str, LockEntry] = {}
    queue = remote_uses(folders, {vendor_root})
    done: set[str] = set()
    while queue:
        use = queue.pop(0)
        if use.url in done:
            continue
        done.add(use.url)
        where = SourceRef(os.path.relpath(use.kustomization, project))
        moving = options.update and options.update_url in (None, use.url)
        pinned = old.get(use.url) if not moving else None
        if use.chart is not None:
            entry = _vendor_chart(use.chart, pinned, project, vendor_root, where)
        else:
            entry = _vendor_one(use.url, pinned, project, vendor_root, options.allow_local,
                                where, use.file)
        entries[use.url] = entry
        # A vendored base may itself use remote bases.
        queue.extend(remote_uses([os.path.join(project, entry.vendored)], set())
                     if entry.kind == "git" else [])
    # Digests last: two references to one commit share its vendored folder.
    for url, entry in entries.items():
        entries[url] = replace(entry, sha256=tree_digest(os.path.join(project, entry.vendored)))
    _remove_unused(project, vendor_root, old, entries)
    if entries or os.path.exists(lock_path):
        write_lock(lock_path, entries)     # no lock for a project without remote references
    changed = tuple(sorted(u for u in entries if old.get(u) != entries[u])
                    + sorted(u for u in old if u not in entries))
    return VendorResult(tuple(entries[u] for u in sorted(entries)), changed, lock_path)


def _vendor_one(url: str, pinned: LockEntry | None, project: str, vendor_root: str,
                allow_local: bool, where: SourceRef, file: bool = False) -> LockEntry:
    rel_vendor = os.path.relpath(vendor_root, project).replace(os.sep, "/")
    if url.lower().startswith("file://") and not allow_local:
        raise VendorError(f"'{url}' reads outside the repository; pass --allow-local to allow "
                          "file:// and local-path URLs", where)
    if file or is_http_file(url):
        split = urlsplit(url)
        name = vendor_dir_for(split.netloc, split.path.strip("/"), "").rstrip("/")
        vendored = f"{rel_vendor}/http/{name}"
        target = os.path.join(project, vendored)
        if pinned is not None and os.path.isfile(target) and tree_digest(target) == pinned.sha256:
            return pinned
        data = fetch.http_get(url)
        digest = hashlib.sha256(data).hexdigest()
        if pinned is not None and digest != pinned.sha256:
            raise VendorError(f"'{url}' changed upstream since it was pinned; review and run "
                              f"`lamina vendor --update {url}`", where)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
        return LockEntry(url, "http", "", "", url, "", vendored, digest)
    spec = parse_repo_spec(url)
    if spec is None:
        raise VendorError(f"'{url}' is not a remote reference Kustomize can clone", where)
    if spec.is_local and not allow_local:
        raise VendorError(f"'{url}' clones from a local path; pass --allow-local to allow "
                          "file:// and local-path URLs", where)
    commit = pinned.commit if pinned is not None else fetch.resolve_commit(spec)
    if pinned is not None:
        dest = os.path.realpath(os.path.join(project, pinned.vendored))
        if dest.startswith(vendor_root + os.sep) and os.path.isdir(dest) \
                and tree_digest(dest) == pinned.sha256:
            return pinned
    work = tempfile.mkdtemp(prefix="lamina-checkout-")
    try:
        checkout = os.path.join(work, "repo")
        commit = fetch.checkout(spec, commit, checkout)
        vendored = f"{rel_vendor}/{vendor_dir_for(spec.host, spec.repo_path, commit)}"
        dest = os.path.join(project, vendored)
        files = used_files(checkout, spec.path, url)
        copy_files(checkout, files, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return LockEntry(url, "git", spec.ref, commit, spec.clone_url, spec.path, vendored, "")


def _vendor_chart(chart: ChartRef, pinned: LockEntry | None, project: str, vendor_root: str,
                  where: SourceRef) -> LockEntry:
    """A remote Helm chart, resolved to an exact version and pinned by its digest."""
    if pinned is not None:
        dest = os.path.realpath(os.path.join(project, pinned.vendored))
        if dest.startswith(vendor_root + os.sep) and os.path.isdir(dest) \
                and tree_digest(dest) == pinned.sha256:
            return pinned
    try:
        version, archive, pin = fetch_chart(chart)
    except VendorError as exc:
        raise VendorError(exc.message, where) from None
    if pinned is not None and pin != pinned.commit:
        raise VendorError(f"helm chart '{chart.key}' changed upstream since it was pinned "
                          f"({pinned.commit[:19]}, now {pin[:19]}); review and run "
                          f"`lamina vendor --update {chart.key}`", where)
    split = urlsplit(chart.repo)
    rel_vendor = os.path.relpath(vendor_root, project).replace(os.sep, "/")
    vendored = f"{rel_vendor}/helm/" + vendor_dir_for(
        split.netloc, f"{split.path.strip('/')}/{chart.name}", version)
    dest = os.path.join(project, vendored)
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    try:
        unpack(archive, chart.name, dest)
    except VendorError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise VendorError(exc.message, where) from None
    return LockEntry(chart.key, "helm", chart.version, pin, chart.repo, chart.name, vendored, "")


def _remove_unused(project: str, vendor_root: str, old: dict[str, LockEntry],
                   new: dict[str, LockEntry]) -> None:
    """Vendored copies that no reference uses any more go (only ones a lock named)."""
    keep = {e.vendored for e in new.values()}
    for entry in old.values():
        if entry.vendored in keep:
            continue
        path = os.path.realpath(os.path.join(project, entry.vendored))
        if path.startswith(vendor_root + os.sep):
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.isfile(path):
                os.unlink(path)
