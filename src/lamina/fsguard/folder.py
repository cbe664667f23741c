"""`Folder`: an output folder, through which every write, rename and delete lamina does
below it goes (see the package's docstring)."""

from __future__ import annotations

import errno
import os
import stat
from typing import Iterator

from lamina.fsguard.atomic import atomic_write
from lamina.fsguard.faults import WriteFault, fault
from lamina.fsguard.paths import PathRefused, check_name, shown_path


class Folder:
    """An output folder: every path lamina writes, renames or deletes below it.

    Names are checked with check_name() and resolved with lstat() on each component: a
    symbolic link, or a file where a folder is expected, is refused (PathRefused) and
    never followed. Folders found real are remembered, so a render of many files costs
    one lstat() per folder. OSErrors come out as WriteFault naming the path."""

    def __init__(self, root: str, display: str | None = None):
        self.root = os.path.normpath(os.path.abspath(root))
        self.display = display if display is not None else shown_path(self.root)
        self._real: set[str] = {""}          # relative folders known to be real folders

    # -- naming --
    def shown(self, rel: str) -> str:
        return f"{self.display.rstrip('/')}/{rel}" if rel else self.display

    def path(self, rel: str, what: str = "path") -> str:
        """The absolute path of `rel` ("" is the folder itself), after checking every
        existing component."""
        if rel == "":
            return self.root
        check_name(rel, what)
        parts = rel.split("/")
        for i in range(1, len(parts)):
            self._check_folder("/".join(parts[:i]))
        full = os.path.join(self.root, *parts)
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            return full
        except OSError as exc:
            raise fault(exc, self.shown(rel), "read") from None
        if stat.S_ISLNK(st.st_mode):
            raise PathRefused(self._link_message(rel))
        return full

    def _check_folder(self, rel: str) -> None:
        if rel in self._real:
            return
        try:
            st = os.lstat(os.path.join(self.root, rel))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise fault(exc, self.shown(rel), "read") from None
        if stat.S_ISLNK(st.st_mode):
            raise PathRefused(self._link_message(rel))
        if not stat.S_ISDIR(st.st_mode):
            raise WriteFault(f"{self.shown(rel)}: cannot write: a file is where a folder is "
                             "expected; move it away")
        self._real.add(rel)

    def _link_message(self, rel: str) -> str:
        return (f"{self.shown(rel)} is a symbolic link; lamina never follows links inside its "
                "output folder: remove it and run again")

    def forget(self, rel: str) -> None:
        """`rel` (a folder) and everything below it may have changed."""
        self._real = {r for r in self._real if not (r == rel or r.startswith(rel + "/"))}

    # -- queries --
    def read_text(self, rel: str) -> str | None:
        """The text of a regular file, or None when there is none (never through a link)."""
        full = self.path(rel)
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENOTDIR):
                return None
            raise fault(exc, self.shown(rel), "read") from None
        with open(fd, encoding="utf-8", newline="") as fh:
            try:
                return fh.read()
            except UnicodeDecodeError:
                return None
            except OSError as exc:
                raise fault(exc, self.shown(rel), "read") from None

    def lexists(self, rel: str) -> bool:
        return os.path.lexists(self.path(rel))

    def is_dir(self, rel: str) -> bool:
        full = self.path(rel)
        try:
            return stat.S_ISDIR(os.lstat(full).st_mode)
        except OSError:
            return False

    def is_file(self, rel: str) -> bool:
        full = self.path(rel)
        try:
            return stat.S_ISREG(os.lstat(full).st_mode)
        except OSError:
            return False

    # -- changes --
    def ensure_root(self) -> None:
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise fault(exc, self.display) from None

    def makedirs(self, rel: str, created: list[str] | None = None) -> None:
        """Make folder `rel` and its missing parents; `created` gets each one made
        (relative, parents first)."""
        if rel in self._real and os.path.isdir(self.root):
            return
        if not os.path.isdir(self.root):
            parent = os.path.dirname(self.root)
            try:
                os.makedirs(parent, exist_ok=True)
                os.mkdir(self.root)
                if created is not None:
                    created.append("")
            except FileExistsError:
                pass
            except OSError as exc:
                raise fault(exc, self.display) from None
        if rel == "":
            return
        parts = check_name(rel, "folder").split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            self._check_folder(sub)
            if sub in self._real:
                continue
            try:
                os.mkdir(os.path.join(self.root, sub))
            except FileExistsError:
                self._check_folder(sub)
                continue
            except OSError as exc:
                raise fault(exc, self.shown(sub)) from None
            self._real.add(sub)
            if created is not None:
                created.append(sub)

    def write(self, rel: str, text: str) -> None:
        """Write a file in place (for staging temporaries, which nothing reads until they
        are renamed); refuses to write through a link."""
        full = self.path(rel)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(full, flags, 0o644)
            with open(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            try:
                if os.path.isfile(full) and not os.path.islink(full):
                    os.unlink(full)     # a half-written temporary is of no use
            except OSError:
                pass
            raise fault(exc, self.shown(rel)) from None

    def write_atomic(self, rel: str, text: str, durable: bool = False) -> None:
        full = self.path(rel)
        try:
            atomic_write(full, text, durable=durable)
        except OSError as exc:
            raise fault(exc, self.shown(rel)) from None

    def replace(self, src: str, dst: str) -> None:
        a, b = self.path(src), self.path(dst)
        try:
            os.replace(a, b)
        except OSError as exc:
            raise fault(exc, self.shown(dst), "rename into place") from None
        self.forget(src)
        self.forget(dst)

    def unlink(self, rel: str, missing_ok: bool = True) -> None:
        full = self.path(rel)
        try:
            os.unlink(full)
        except FileNotFoundError:
            if not missing_ok:
                raise
        except IsADirectoryError:
            raise PathRefused(f"{self.shown(rel)} is a folder where lamina wrote a file; "
                              "move it away") from None
        except OSError as exc:
            raise fault(exc, self.shown(rel), "delete") from None

    def rmdir(self, rel: str) -> bool:
        """Remove an empty folder; False when it is not empty or not there."""
        full = self.path(rel)
        try:
            os.rmdir(full)
        except OSError:
            return False
        self.forget(rel)
        return True

    def rmtree(self, rel: str) -> None:
        """Remove a folder lamina staged, and everything in it (links inside it are
        removed, not followed: shutil.rmtree works on file descriptors)."""
        import shutil
        full = self.path(rel)
        if not os.path.lexists(full):
            return
        try:
            if stat.S_ISDIR(os.lstat(full).st_mode):
                shutil.rmtree(full)
            else:
                os.unlink(full)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise fault(exc, self.shown(rel), "delete") from None
        self.forget(rel)

    def walk_files(self, rel: str = "") -> Iterator[tuple[str, list[str], list[str]]]:
        """(relative folder, folder names, file names) below `rel`, never into links."""
        top = os.path.join(self.root, rel) if rel else self.root
        for dirpath, dirs, files in os.walk(top):
            here = os.path.relpath(dirpath, self.root)
            yield ("" if here == "." else here.replace(os.sep, "/")), dirs, files
