"""Room for deeply nested documents.

Building data from nodes (and nodes from data) recurses once or twice per nesting
level, so Python's default recursion limit (1000) gives up near 500 levels, while
libyaml accepts 1000 and Kustomize more. Rather than raise the limit for every call,
a call that runs out is retried once with enough room for libyaml's own maximum.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, TypeVar

T = TypeVar("T")

# Two frames per level for libyaml's 1000 levels, plus what the caller already uses.
_DEEP_LIMIT = 4000


def call_with_depth(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args), retried with a higher recursion limit if it runs out of depth."""
    try:
        return fn(*args)
    except RecursionError:
        pass
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, _DEEP_LIMIT))
    try:
        return fn(*args)
    finally:
        sys.setrecursionlimit(old)
