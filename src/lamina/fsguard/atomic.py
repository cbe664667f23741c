"""The one "temporary file beside it, then rename" writer (the caches, `build -o`,
`promote`, the ledger and journal)."""

from __future__ import annotations

import os


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
