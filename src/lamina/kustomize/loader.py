"""Root-restricted file access for one kustomization directory, with Kustomize's rules.

Kustomize's default restrictor (LoadRestrictionsRootOnly) lets a kustomization read files
only in or below its own directory; other kustomizations (bases, components) may live
anywhere but must not contain a directory already being built (that is a cycle).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable

from lamina.errors import KustomizationError, MissingFileError, NotSupportedError

ROOT_ONLY = "LoadRestrictionsRootOnly"
NO_RESTRICTION = "LoadRestrictionsNone"

KUSTOMIZATION_FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def is_remote(path: str) -> bool:
    """URLs and git specs: built from their vendored copies (lamina.vendor), never fetched."""
    from lamina.vendor.remote import is_remote as remote
    return remote(path)


@dataclass(frozen=True)
class FileLoader:
    """Reads files for one kustomization directory (`root`, absolute and symlink-free)."""

    root: str
    restrictor: str = ROOT_ONLY
    referrer: "FileLoader | None" = None
    # The directory the user asked to build; paths in messages are shown relative to it.
    build_root: str = ""
    # Renders `.j2` files before they are parsed; set only for lamina-dialect kustomizations.
    renderer: Callable[[str, str], str] | None = field(default=None, compare=False)
    # Every file read during the build (absolute paths), shared by all loaders of one build;
    # `lamina render` uses it to know which environments a changed file affects.
    reads: set[str] | None = field(default=None, compare=False)
    # Inside a vendored remote base: its repository root, the boundary Kustomize keeps
    # to (a clone's bases may use any folder of the clone, nothing outside it).
    repo_root: str = ""

    @classmethod
    def at(cls, directory: str, restrictor: str = ROOT_ONLY,
           reads: set[str] | None = None) -> "FileLoader":
        root = os.path.realpath(directory)
        return cls(root=root, restrictor=restrictor, referrer=None, build_root=root, reads=reads)

    def record(self, path: str) -> None:
        if self.reads is not None:
            self.reads.add(os.path.realpath(path))

    # ---- files -------------------------------------------------------------
    def resolve(self, path: str) -> str:
        """Absolute, cleaned path of a file this loader may read; raises otherwise."""
        if path.lower().startswith(("http://", "https://")):
            # Kustomize GETs an http(s) file URL (a patch, a generator's file); lamina reads
            # the copy `lamina vendor` pinned. Any other URL-like path is a local path to it.
            return self._vendored_file(path)
        full = path if os.path.isabs(path) else os.path.join(self.root, path)
        if self.restrictor == NO_RESTRICTION:
            return full
        real = os.path.realpath(full)
        if os.path.isdir(real):
            raise KustomizationError(f"'{full}' must resolve to a file")
        parent = os.path.dirname(real)
        if not _has_prefix(parent, self.root):
            raise KustomizationError(
                f"security; file '{full}' is not in or below '{self.root}'")
        return real

    def _vendored_file(self, url: str) -> str:
        from lamina.errors import SourceRef
        from lamina.kustomize.fieldlines import listing_line
        from lamina.vendor.resolve import lookup
        kust = next((os.path.join(self.root, n) for n in KUSTOMIZATION_FILE_NAMES
                     if os.path.isfile(os.path.join(self.root, n))), None)
        where = listing_line(kust, self.display(kust), url) if kust else SourceRef(self.root)
        vendored = lookup(self.root, url, where)
        if vendored.entry.kind != "http":
            raise KustomizationError(f"'{url}' is pinned as a repository, not a file; run "
                                     f"`lamina vendor --update {url}`")
        self.record(vendored.lock)    # a re-pin must rebuild what used the old pin
        return vendored.target

    def read_bytes(self, path: str) -> bytes:
        full = self.resolve(path)
        if self.reads is not None:
            # resolve() already made it real unless nothing restricts loading.
            self.reads.add(full if self.restrictor != NO_RESTRICTION else os.path.realpath(full))
        try:
            with open(full, "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            raise self.missing(path, f"open {full}: no such file or directory") from None
        except IsADirectoryError:
            raise KustomizationError(f"read {full}: is a directory") from None
        except OSError as exc:
            raise KustomizationError(f"cannot read {full}: {exc.strerror}") from None

    def read_text(self, path: str) -> str:
        from lamina.yaml.encoding import NOT_TEXT, decode
        data = self.read_bytes(path)
        try:
            text = decode(data)
        except UnicodeDecodeError:
            raise KustomizationError(f"{self.display(path)}: file {NOT_TEXT}") from None
        if self.renderer is not None and path.endswith(".j2"):
            rendered = self.renderer(text, self.display(path))
            # Kept (with its map to template lines) for the lines of messages and findings;
            # the build goes on with the plain text.
            from lamina.yaml.positions import remember_rendered
            remember_rendered(self.resolve(path), rendered)
            text = str(rendered)
        return text

    def missing(self, path: str, kustomize_text: str, what: str = "file") -> MissingFileError:
        """The error for `path` (as the kustomization writes it) not existing, at the line
        of this folder's kustomization that lists it."""
        from lamina.kustomize.fieldlines import listing_line
        kust = next((os.path.join(self.root, n) for n in KUSTOMIZATION_FILE_NAMES
                     if os.path.isfile(os.path.join(self.root, n))), None)
        where = listing_line(kust, self.display(kust), path) if kust else None
        # Kustomize's words, with the entry as written for its absolute path: a message
        # names no folder of the machine it ran on.
        joined = os.path.join(self.root, path)
        for full in sorted({joined, os.path.normpath(joined)}, key=len, reverse=True):
            kustomize_text = kustomize_text.replace(full, path)
        return MissingFileError(
            f"{what} '{path}' does not exist: fix the entry or add the {what}"
            f"\n  (kustomize: {kustomize_text})", where)

    def with_renderer(self, renderer: Callable[[str, str], str] | None) -> "FileLoader":
        return replace(self, renderer=renderer)

    def exists(self, path: str) -> bool:
        try:
            resolved = self.resolve(path)
        except (KustomizationError, NotSupportedError):
            return False
        if path.lower().startswith(("http://", "https://")):
            return os.path.isfile(resolved)
        full = path if os.path.isabs(path) else os.path.join(self.root, path)
        return os.path.isfile(full)

    def display(self, path: str) -> str:
        full = path if os.path.isabs(path) else os.path.join(self.root, path)
        base = self.build_root or self.root
        rel = os.path.relpath(os.path.normpath(full), base)
        return rel

    # ---- sub-kustomizations ------------------------------------------------
    def new(self, path: str) -> "FileLoader":
        """A loader for a base or component directory, refusing cycles."""
        if not path:
            raise KustomizationError("new root cannot be empty")
        if is_remote(path):
            raise NotSupportedError(
                f"remote resource '{path}' is not supported yet: lamina builds without "
                "network access; vendor the base into the repository and refer to it by path")
        if os.path.isabs(path):
            raise KustomizationError(f"new root '{path}' cannot be absolute")
        joined = os.path.join(self.root, path)
        if not os.path.exists(joined):
            raise self.missing(
                path, f"must build at directory: not a valid directory: evalsymlink failure on "
                f"'{joined}' : lstat {joined}: no such file or directory", "folder")
        real = os.path.realpath(joined)
        if not os.path.isdir(real):
            raise KustomizationError(
                f"must build at directory: '{joined}': file is not directory")
        if self.repo_root and not _has_prefix(real, self.repo_root):
            raise KustomizationError(
                f"security; base '{path}' of a remote base is outside its repository "
                f"('{real}' is not in or below '{self.repo_root}')")
        return self._child(real, self.repo_root)

    def new_vendored(self, target: str, repo_root: str) -> "FileLoader":
        """A loader for a remote base read from its verified vendored copy. Kustomize loads a
        clone with LoadRestrictionsRootOnly whatever --load-restrictor says (and its bases
        inherit that), so a remote base's patch outside its folder is refused either way."""
        if not os.path.isdir(target):
            raise KustomizationError(f"must build at directory: '{target}': not a directory")
        child = self._child(os.path.realpath(target), os.path.realpath(repo_root))
        return replace(child, restrictor=ROOT_ONLY)

    def _child(self, real: str, repo_root: str) -> "FileLoader":
        loader: FileLoader | None = self
        while loader is not None:
            if _has_prefix(loader.root, real):
                raise KustomizationError(
                    f"cycle detected: candidate root '{real}' contains visited root "
                    f"'{loader.root}'")
            loader = loader.referrer
        return FileLoader(root=real, restrictor=self.restrictor, referrer=self,
                          build_root=self.build_root, renderer=self.renderer, reads=self.reads,
                          repo_root=repo_root)


def _has_prefix(path: str, prefix: str) -> bool:
    """Directory containment on path components ('/a/bc' is not under '/a/b')."""
    if path == prefix:
        return True
    prefix = prefix.rstrip(os.sep) + os.sep
    return path.startswith(prefix)
