"""The one owner of the paths lamina writes, renames and deletes, and of atomic writes.

In CI every file of the checked-out tree is written by whoever opened the pull request,
the committed output folder included (its ledger and journal too). So no name that comes
from the tree (an environment or cluster name, a ledger or journal entry, a file name
made from a resource) is trusted to stay where it says:

- `check_name()` refuses a relative path that is empty, absolute, has a NUL, a backslash,
  an empty, `.` or `..` component, or a component or whole that no file system takes.
  Look-alike characters (U+2024 ONE DOT LEADER, fullwidth dots and slashes) are ordinary
  characters to every file system, so a name made of them stays one component, inside.
- `Folder` is an output folder: it resolves a checked name below its root with lstat()
  on each component, never following a symbolic link (a link anywhere inside the folder
  is refused, not followed), and every write, rename and delete lamina does there goes
  through its methods.
- `atomic_write()` is the one "temporary file beside it, then rename" writer (the caches,
  `build -o`, `promote`, the ledger and journal).
- `fault()` turns the environment's refusals (disk full, read-only file system, permission
  denied) into one message naming the path and the cause, instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import stat

from lamina.errors import LaminaError

MAX_COMPONENT_BYTES = 255       # NAME_MAX of ext4, xfs, btrfs, apfs, ntfs
MAX_PATH_BYTES = 4000           # below PATH_MAX (4096), leaving room for the root

_CAUSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.EMFILE: "too many open files",
    errno.ENOTDIR: "a file is where a folder is expected",
    errno.EISDIR: "a folder is where a file is expected",
    errno.EEXIST: "something is already there",
    errno.ELOOP: "too many symbolic links",
    errno.EIO: "input/output error",
}
ENVIRONMENT_ERRNOS = frozenset(_CAUSES)


class PathRefused(LaminaError):
    """A name that would not stay inside the folder it is meant for."""


class WriteFault(LaminaError):
    """The operating system refused a write: disk full, read-only, permission denied..."""


def cause(exc: OSError) -> str:
    return _CAUSES.get(exc.errno or 0) or exc.strerror or str(exc)


def fault(exc: OSError, path: str | None = None, doing: str = "write") -> WriteFault:
    """One message naming the path and the cause: `<path>: cannot write: no space left
    on the device (ENOSPC); free some space and run again`."""
    where = path or exc.filename or "?"
    code = errno.errorcode.get(exc.errno or 0, "")
    hint = {errno.ENOSPC: "; free some space and run again",
            errno.EDQUOT: "; free some space and run again",
            errno.EROFS: "; make it writable, or write elsewhere",
            errno.EACCES: "; check the folder's owner and mode, or write elsewhere",
            errno.EPERM: "; check the folder's owner and mode, or write elsewhere"}
    return WriteFault(f"{where}: cannot {doing}: {cause(exc)}"
                      f"{f' ({code})' if code else ''}{hint.get(exc.errno or 0, '')}")


def check_name(rel: object, what: str = "path") -> str:
    """`rel` itself when it is a relative path that stays below the folder it is joined
    to (see the module's docstring); PathRefused otherwise."""
    if not isinstance(rel, str):
        raise PathRefused(f"{what} {rel!r} is not a string")
    why = _flaw(rel)
    if why:
        raise PathRefused(f"{what} {rel!r} {why}; give a relative path below its folder")
    return rel


def is_safe_name(rel: object) -> bool:
    return isinstance(rel, str) and not _flaw(rel)


def _flaw(rel: str) -> str | None:
    if not rel:
        return "is empty"
    if "\0" in rel:
        return "contains a NUL character"
    if rel.startswith("/") or os.path.isabs(rel):
        return "is an absolute path"
    if "\\" in rel:
        return "contains a backslash"
    try:
        size = len(rel.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if size > MAX_PATH_BYTES:
        return f"is longer than {MAX_PATH_BYTES} bytes"
    for part in rel.split("/"):
        if part in ("", ".", ".."):
            return ("has an empty component" if not part
                    else f"has a '{part}' component (it must stay inside its folder)")
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            return f"has a component longer than {MAX_COMPONENT_BYTES} bytes"
    return None


_UNSAFE_CHARS = None


def safe_component(text: str) -> str:
    """`text` made one safe, portable path component, the same way every time: characters
    other than ASCII letters, digits and `._:@+=-` become `_`; a name of dots only (`.`,
    `..`) becomes underscores; nothing is empty. Used for every file or folder name lamina
    makes from a resource (namespace, kind, name)."""
    global _UNSAFE_CHARS
    if _UNSAFE_CHARS is None:
        import re
        _UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._:@+=-]")
    safe = _UNSAFE_CHARS.sub("_", text) or "_"
    if not safe.strip("."):
        safe = "_" * len(safe)
    return safe


def fit_component(name: str, suffix: str = "") -> str:
    """`name` cut to the longest component file systems take (255 bytes), keeping
    `suffix` and adding a digest of the whole so that cut names stay distinct."""
    if len(name.encode("utf-8")) <= MAX_COMPONENT_BYTES:
        return name
    import hashlib
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    stem = name[:-len(suffix)] if suffix and name.endswith(suffix) else name
    room = MAX_COMPONENT_BYTES - len(suffix) - len(digest) - 1
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{cut}-{digest}{suffix if name.endswith(suffix) else ''}"


def is_inside(path: str, root: str) -> bool:
    """Whether the normalised absolute `path` is `root` or below it (no file access)."""
    path, root = os.path.normpath(os.path.abspath(path)), os.path.normpath(os.path.abspath(root))
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def real_dir_chain(root: str, path: str) -> str | None:
    """The first component of `path` (below `root`) that exists and is a symbolic link or
    not a folder, or None. `path` must be below `root`."""
    rel = os.path.relpath(path, root)
    current = root
    if rel == ".":
        return None
    for part in rel.split(os.sep):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return current
    return None


def _shown(path: str) -> str:
    """`path` as messages show it: relative to the working directory (the project root,
    usually) when it is below it, else absolute."""
    try:
        here = os.getcwd()
    except OSError:
        return path
    return os.path.relpath(path, here) if is_inside(path, here) and path != here else path


# ---- atomic writes -------------------------------------------------------------------

def atomic_write(path: str, data: bytes | str, durable: bool = False, mode: int | None = 0o666,
                 prefix: str = ".lamina-") -> None:
    """Put `data` at `path` whole or not at all: a temporary file beside it, renamed into
    place. `durable` flushes it to the disk first (the journal and ledger: a crash must
    not leave an empty one). `mode` (less the umask, as for any file a program creates) is the file's mode; None keeps the
    temporary's 0600 (the caches). Raises OSError; the temporary never outlives a failure."""
    import tempfile     # here: a plain build imports no more than it needs
    directory = os.path.dirname(os.path.abspath(path))
    blob = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=directory)
    try:
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
            if mode is not None:
                os.fchmod(fd, mode & ~_umask())
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_UMASK: list[int] = []


def _umask() -> int:
    if not _UMASK:
        current = os.umask(0o022)
        os.umask(current)
        _UMASK.append(current)
    return _UMASK[0]


# ---- the output folder ---------------------------------------------------------------

class Folder:
    """An output folder: every path lamina writes, renames or deletes below it.

    Names are checked with check_name() and resolved with lstat() on each component: a
    symbolic link, or a file where a folder is expected, is refused (PathRefused) and
    never followed. Folders found real are remembered, so a render of many files costs
    one lstat() per folder. OSErrors come out as WriteFault naming the path."""

    def __init__(self, root: str, display: str | None = None):
        self.root = os.path.normpath(os.path.abspath(root))
        self.display = display if display is not None else _shown(self.root)
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

    def walk_files(self, rel: str = ""):
        """(relative folder, folder names, file names) below `rel`, never into links."""
        top = os.path.join(self.root, rel) if rel else self.root
        for dirpath, dirs, files in os.walk(top):
            here = os.path.relpath(dirpath, self.root)
            yield ("" if here == "." else here.replace(os.sep, "/")), dirs, files
