"""Where lamina's caches live, and whether they are used at all.

All caches sit under one folder, `$XDG_CACHE_HOME/lamina` (else `~/.cache/lamina`), one
section each:

- `docs/`: parsed and printed large YAML documents (yaml/doc_cache.py);
- `builds/`: the build memo, one record per overlay (kustomize/memo.py);
- `render/`: per-target packs of printed resources and check findings (project/objcache.py),
  and `render/owners/`, the cross-environment markers of the last render (project/owners.py);
- `policies/`: per-target packs of admission-policy results (policies/results.py).

`LAMINA_NO_CACHE=1` turns every cache off: nothing is read or written.
"""

from __future__ import annotations

import os

SECTIONS = ("docs", "builds", "render", "policies")


def enabled() -> bool:
    return os.environ.get("LAMINA_NO_CACHE", "") in ("", "0")


def root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lamina")


def section(name: str) -> str:
    """The folder of one cache section (see SECTIONS)."""
    return os.path.join(root(), name)
