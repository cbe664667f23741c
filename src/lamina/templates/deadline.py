"""A wall-clock limit for rendering that also stops loops which never call back into lamina.

A watchdog timer raises RenderTimeout inside the rendering thread (CPython's
PyThreadState_SetAsyncExc), between two bytecodes. A single long C call (one huge string
operation) is not interrupted; the size guards in sandbox.py stop those before they start.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RenderTimeout(BaseException):
    """Raised in the rendering thread when its time is up; BaseException so that no
    ``except Exception`` inside Jinja swallows it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Run the body under a deadline; RenderTimeout escapes the body when it passes."""
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def expire() -> None:
        with lock:
            if state["done"]:
                return
            state["fired"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(RenderTimeout))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        if state["fired"]:
            _absorb_pending()


def _absorb_pending() -> None:
    """Let an already-scheduled RenderTimeout land here rather than in the caller's code."""
    try:
        for _ in range(10_000):
            pass
    except RenderTimeout:
        pass
