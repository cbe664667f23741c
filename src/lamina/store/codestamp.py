"""A stamp of lamina's own code, for caches whose entries hold results that code computed.

A cache keyed only by lamina's version would serve results of older code to a developer
whose editable install changed since (the version stays the same): the stamp adds the
size and modification time of every Python file of the named subpackages.
"""

from __future__ import annotations

import hashlib
import os

_STAMPS: dict[tuple[str, ...], str] = {}


def code_stamp(*subpackages: str) -> str:
    """Hex SHA-256 of lamina's version and the stat of each `.py` file in `subpackages`
    (folders of the lamina package), computed once per process."""
    hit = _STAMPS.get(subpackages)
    if hit is not None:
        return hit
    from lamina.version import __version__
    h = hashlib.sha256(__version__.encode())
    base = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for sub in subpackages:
        folder = os.path.join(base, sub)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".py"):
                continue
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            h.update(f"{sub}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    _STAMPS[subpackages] = h.hexdigest()
    return _STAMPS[subpackages]
