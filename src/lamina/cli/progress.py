"""A one-line progress display on stderr for work that takes more than about a second.

Shown only when stderr is a terminal and `CI` is not set; otherwise nothing at all is
printed. The line is drawn from a SIGALRM interval timer rather than a thread: renders fork
worker processes, and a forked child inherits neither the timer nor a half-held lock of a
drawing thread. The line is erased when the work ends, so the command's own summary stays
the only lasting output.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

DELAY = 1.0           # seconds of silence before the display appears
INTERVAL = 0.1        # seconds between redraws
_FRAMES = "|/-\\"


def wanted(stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not os.environ.get("CI") and hasattr(signal, "setitimer")


@contextmanager
def progress(label: str, stream=None) -> Iterator[Callable[[str], None]]:
    """Yields a function that replaces the label ("rendering 4 environments..."); the
    label, a spinner and the elapsed time are drawn after DELAY seconds, on a terminal."""
    out = stream if stream is not None else sys.stderr
    if not wanted(out):
        yield lambda _message: None
        return
    state: dict[str, Any] = {"label": label, "frame": 0, "drawn": False}
    started = time.monotonic()
    pid = os.getpid()

    def draw(_signum: int = 0, _frame: object = None) -> None:
        if os.getpid() != pid:        # a forked worker that has not reset the handler yet
            return
        state["frame"] = (state["frame"] + 1) % len(_FRAMES)
        elapsed = time.monotonic() - started
        out.write(f"\r\033[K{_FRAMES[state['frame']]} {state['label']} {elapsed:.1f}s")
        out.flush()
        state["drawn"] = True

    def update(message: str) -> None:
        state["label"] = message

    previous = signal.signal(signal.SIGALRM, draw)
    signal.setitimer(signal.ITIMER_REAL, DELAY, INTERVAL)
    try:
        yield update
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
        if state["drawn"]:
            out.write("\r\033[K")
            out.flush()
