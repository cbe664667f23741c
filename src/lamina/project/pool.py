"""Worker processes for the render engine (project/engine.py): a small fork-based pool
whose processes each keep one worker object for the whole run, and the parent's side of
their errors."""

from __future__ import annotations

import gc
import os
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, NoReturn


@dataclass(frozen=True)
class TaskResult:
    """One task's answer: its value (ok) or the exception raised and its traceback."""

    ok: bool
    value: Any
    worker: int = -1           # which process answered (ok)
    traceback: str = ""        # (not ok)


class _RemoteTraceback(Exception):
    def __init__(self, tb: str):
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


def _die_with_parent() -> None:
    """A worker whose parent was killed stops at once instead of staging files nobody
    will commit (Linux; elsewhere it stops at its next message)."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))     # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(1)
    except Exception:
        pass


def _serve(conn: Any, make_worker: Callable[[], Any]) -> None:
    _die_with_parent()
    # A worker lives for one render. Builds allocate millions of objects and leave little
    # cyclic garbage (a few thousand objects per target), so the collector's walks cost a
    # fifth of the work and would free next to nothing: it stays off.
    gc.disable()
    worker = make_worker()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        if message[0] == "stop":
            break
        try:
            reply: tuple[Any, ...] = ("ok", getattr(worker, message[0])(*message[1:]))
        except BaseException as exc:       # sent to the parent, which raises it
            reply = ("error", exc, "".join(traceback.format_exception(exc)))
        try:
            conn.send(reply)
        except Exception as exc:           # something in the reply does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), ""))
    conn.close()


class WorkerDied(RuntimeError):
    """A rendering process ended without answering."""


class Pool:
    """`size` forked processes, each serving messages `(method name, *args)` with the
    object `make_worker()` returns in it (fork: nothing is pickled on the way in)."""

    def __init__(self, make_worker: Callable[[], Any], size: int):
        import multiprocessing
        from multiprocessing.connection import Connection
        from multiprocessing.process import BaseProcess
        ctx = multiprocessing.get_context("fork")
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for _ in range(size):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, make_worker), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def run(self, tasks: list[tuple[int | None, tuple[Any, ...]]], stop_on_error: bool = False
            ) -> dict[int, TaskResult]:
        """Run each (worker or None for any, message); task number -> its result. After a
        failure with stop_on_error, only the tasks already sent are waited for: the earlier
        ones all are."""
        from multiprocessing.connection import wait
        own: dict[int, deque[int]] = {w: deque() for w in range(len(self.conns))}
        anyone: deque[int] = deque()
        for i, (w, _message) in enumerate(tasks):
            (own[w] if w is not None else anyone).append(i)
        results: dict[int, TaskResult] = {}
        busy: dict[int, int] = {}
        failed = False

        def dispatch(w: int) -> None:
            queue = own[w] if own[w] else anyone
            if queue and not (failed and stop_on_error):
                i = queue.popleft()
                self.conns[w].send(tasks[i][1])
                busy[w] = i

        for w in range(len(self.conns)):
            dispatch(w)
        while busy:
            ready = wait([self.conns[w] for w in busy])
            for w in [w for w in busy if self.conns[w] in ready]:
                try:
                    reply = self.conns[w].recv()
                except (EOFError, OSError):
                    raise WorkerDied("a rendering process died (out of memory?)") from None
                i = busy.pop(w)
                if reply[0] == "ok":
                    results[i] = TaskResult(True, reply[1], worker=w)
                else:
                    failed = True
                    results[i] = TaskResult(False, reply[1], traceback=reply[2])
                dispatch(w)
        return results

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
                conn.close()
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def raise_remote(exc: BaseException, tb: str) -> NoReturn:
    """Raise what a worker sent, with its traceback as the cause (not for user errors)."""
    from lamina.errors import LaminaError
    if tb and not isinstance(exc, (LaminaError, KeyboardInterrupt)) and exc.__cause__ is None:
        exc.__cause__ = _RemoteTraceback(f'\n"""\n{tb}"""')
    raise exc
