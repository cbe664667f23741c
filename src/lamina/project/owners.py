"""The owners cache: which environment owned which hosts and namespaces (the markers of
checks/cross_environment.py) in the last render of the same targets.

Workers run the cross-environment check in their first pass with this guess; the parent
runs it again only for targets whose markers turn out different (project/engine.py). The
file lives in the `render` section of lamina's cache folder (store/folder.py, counted by
`lamina cache info`), is bound to the project and its set of targets and checksummed by
store/cachefile.py, and is `marshal` data (loading it runs no code). `LAMINA_NO_CACHE=1`
turns it off.
"""

from __future__ import annotations

import hashlib
import marshal
import os

from lamina.store import cachefile
from lamina.store.folder import enabled, section

_MAGIC = b"lamina-owners 1\n"

Owners = dict[str, tuple[str, ...]]


def _location(root: str, targets: list[str]) -> tuple[str, str]:
    """(the owners file of this project and set of targets, the key it is bound to)."""
    key = f"{os.path.realpath(root)}\0" + "\0".join(sorted(targets))
    name = hashlib.sha256(key.encode()).hexdigest()
    return os.path.join(section("render"), "owners", name), key


def recall(root: str, targets: list[str]) -> Owners | None:
    """What the last render of the same targets found the owners to be (a guess), or None."""
    if not enabled():
        return None
    try:
        path, key = _location(root, targets)
        payload = cachefile.read_entry(path, _MAGIC, key)
        data = None if payload is None else marshal.loads(payload)
    except (ValueError, EOFError, TypeError):   # cachefile.Damaged is a ValueError
        return None
    if isinstance(data, dict) and all(
            isinstance(k, str) and isinstance(v, tuple) and all(isinstance(m, str) for m in v)
            for k, v in data.items()):
        return data
    return None


def remember(root: str, targets: list[str], owners: Owners) -> None:
    if not enabled():
        return
    try:
        data = marshal.dumps(owners)
    except ValueError:       # a marker that is not a string: nothing to remember
        return
    path, key = _location(root, targets)
    cachefile.write_entry(path, _MAGIC, key, data)
