"""Root-restricted file access for one kustomization directory, with Kustomize's rules.

Kustomize's default restrictor (LoadRestrictionsRootOnly) lets a kustomization read files
only in or below its own directory; other kustomizations (bases, components) may live
anywhere but must not contain a directory already being built (that is a cycle).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable

from lamina.errors import KustomizationError, NotSupportedError

ROOT_ONLY = "LoadRestrictionsRootOnly"
NO_RESTRICTION = "LoadRestrictionsNone"

KUSTOMIZATION_FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class MissingFileError(KustomizationError):
    """A file or folder that a kustomization lists does not exist. The message names the
    kustomization and the line that lists it; Kustomize's own text is its second line."""


def is_remote(path: str) -> bool:
    """URLs and git specs: Kustomize fetches these; lamina never touches the network."""
    lowered = path.lower()
    return (lowered.startswith(("http://", "https://", "git@", "ssh://", "git::", "file://"))
            or lowered.startswith(("github.com/", "gitlab.com/", "bitbucket.org/"))
            or "?ref=" in lowered or ".git//" in lowered)


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
        if is_remote(path):
            raise NotSupportedError(
                f"remote file '{path}' is not supported yet: lamina builds without network "
                "access; vendor the file into the repository and refer to it by path")
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
        return MissingFileError(
            f"{what} '{path}' does not exist: fix the entry or add the {what}"
            f"\n  (kustomize: {kustomize_text})", where)

    def with_renderer(self, renderer: Callable[[str, str], str] | None) -> "FileLoader":
        return replace(self, renderer=renderer)

    def exists(self, path: str) -> bool:
        try:
            self.resolve(path)
        except (KustomizationError, NotSupportedError):
            return False
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
        loader: FileLoader | None = self
        while loader is not None:
            if _has_prefix(loader.root, real):
                raise KustomizationError(
                    f"cycle detected: candidate root '{real}' contains visited root "
                    f"'{loader.root}'")
            loader = loader.referrer
        return FileLoader(root=real, restrictor=self.restrictor, referrer=self,
                          build_root=self.build_root, renderer=self.renderer, reads=self.reads)


def _has_prefix(path: str, prefix: str) -> bool:
    """Directory containment on path components ('/a/bc' is not under '/a/b')."""
    if path == prefix:
        return True
    prefix = prefix.rstrip(os.sep) + os.sep
    return path.startswith(prefix)
