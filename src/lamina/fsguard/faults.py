"""The environment's refusals (disk full, read-only file system, permission denied) as one
message naming the path and the cause, instead of a traceback."""

from __future__ import annotations

import errno

from lamina.errors import LaminaError

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
