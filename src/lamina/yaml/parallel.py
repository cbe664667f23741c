"""Sharing large YAML work with one forked helper process.

Parsing and printing YAML is CPU-bound Python (libyaml handles the characters, Python
builds the objects), so threads cannot share it, but a second process can. The reader
(the documents of a large file) and the writer (the documents of a large output) hand
their items to `map_in_order`, which works through them together with a helper made by
`os.fork()`. The helper inherits the items, so only its results travel, as bytes
through a pipe.

Items are handed out one at a time, in order, from a queue both processes read (a pipe
holding one 4-byte index per item, or per run of items when there are many): whoever is
free takes the next one. A helper that the machine's load slows down therefore simply
takes fewer items, instead of holding back the result.

The parallel path is indistinguishable from the serial one:

- Results are put back in item order, and each is a pure function of its item.
- A failed item is never reported from the helper: the helper stops there and this
  process computes every item the helper did not deliver, in order, itself. An item that
  fails here is re-raised only after every earlier item has been computed here or
  delivered; so the error raised is always the one `[fn(x) for x in items]` raises (same
  exception, same message, same file and line), whichever process met it first.
- The helper is always reaped before `map_in_order` returns or raises (killed first when
  its work is no longer wanted, for instance on Ctrl-C): no process outlives the call.
- It is used only where forking is safe and pays: Linux with at least two CPUs this
  process may run on, no other thread running (a fork copies only the calling thread,
  and locks held by the others would stay locked in the helper), not inside a helper,
  not inside a worker of a multiprocessing pool (`lamina render` builds environments in
  such workers, which already share the CPUs), and not turned off with
  `LAMINA_PARALLEL=0`. Callers use it only for large inputs, since
  forking a process that holds large documents costs a few milliseconds. Whenever the
  queue or the helper cannot be set up, everything is done here.

The helper leaves with `os._exit`, so it runs no exit handlers and flushes none of the
buffers this process still owns.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_TOKEN = 4             # bytes per queue entry (an unsigned index)
_MAX_TOKENS = 4096     # 16 KB of queue: fits any pipe buffer Linux hands out but the
                       # smallest (one page, 4 KB, when a user exceeds pipe-user-pages-soft;
                       # then the queue cannot be filled and everything is done here)
_HEADER = 9            # the helper's reply: a status byte, then the payload length

_in_helper = False
helpers_started = 0    # how many helpers this process started (for tests)


def cpus() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def usable() -> bool:
    """True when a helper process may be forked now (see the module docstring)."""
    if _in_helper or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if os.environ.get("LAMINA_PARALLEL", "").strip().lower() in ("0", "no", "off", "false"):
        return False
    if cpus() < 2:
        return False
    mp = sys.modules.get("multiprocessing")
    if mp is not None and mp.parent_process() is not None:
        return False    # a worker of `lamina render`'s pool: its siblings use the CPUs
    import threading
    return threading.active_count() == 1


def map_in_order(
    fn: Callable[[T], R],
    items: Sequence[T],
    encode: Callable[[list[R]], bytes],
    decode: Callable[[bytes], list[R] | None],
) -> list[R]:
    """`[fn(item) for item in items]`, computed by this process and a forked helper.

    `encode` turns a list of the helper's results into bytes (in the helper); `decode`
    turns them back (here), or returns None when it cannot. Same results, and the same
    first exception, as the serial list comprehension.
    """
    n = len(items)
    if n < 2:
        return [fn(item) for item in items]
    per = -(-n // _MAX_TOKENS)    # items per queue entry
    runs = [(start, min(start + per, n)) for start in range(0, n, per)]
    queue = _Queue.fill(len(runs))
    if queue is None:
        return [fn(item) for item in items]
    parent = os.getpid()
    helper = _Helper.start(lambda: _helper_work(fn, items, runs, queue, encode, parent))
    if helper is None:
        queue.close()
        return [fn(item) for item in items]

    done: dict[int, R] = {}
    failed_at = None
    failure: BaseException | None = None
    try:
        while failure is None:
            run = queue.take()
            if run is None:
                break
            start, end = runs[run]
            for i in range(start, end):
                try:
                    done[i] = fn(items[i])
                except Exception as exc:
                    failed_at, failure = i, exc
                    queue.drain()    # the helper stops after its current run
                    break
    except BaseException:    # Ctrl-C and the like: stop at once
        helper.stop()
        queue.close()
        raise
    queue.close()
    delivered = helper.join()

    if delivered is not None:
        try:
            indices, payload = _unpack(delivered)
            results = decode(payload)
        except Exception:
            results = None
        if results is not None and len(results) == len(indices):
            for i, result in zip(indices, results):
                done.setdefault(i, result)
    # Whatever the helper did not deliver (it failed there, died, or its reply could not
    # be read) is computed here, in order, so the first error is the serial one.
    limit = failed_at if failed_at is not None else n
    for i in range(limit):
        if i not in done:
            done[i] = fn(items[i])
    if failure is not None:
        raise failure
    return [done[i] for i in range(n)]


def _helper_work(fn: Callable[[T], R], items: Sequence[T], runs: Sequence[tuple[int, int]],
                 queue: _Queue, encode: Callable[[list[R]], bytes], parent: int) -> bytes:
    """In the helper: take runs from the queue until it is empty or an item fails (or
    this process's parent is gone: then the reply has no reader)."""
    indices: list[int] = []
    results: list[R] = []
    try:
        while os.getppid() == parent:
            run = queue.take()
            if run is None:
                break
            start, end = runs[run]
            for i in range(start, end):
                results.append(fn(items[i]))
                indices.append(i)
    except Exception:
        pass    # not reported: this process computes that item again, and meets the error
    return _pack(indices, encode(results))


def _pack(indices: list[int], payload: bytes) -> bytes:
    import marshal
    head = marshal.dumps(indices, 4)
    return len(head).to_bytes(8, "little") + head + payload


def _unpack(data: bytes) -> tuple[list[int], bytes]:
    import marshal
    size = int.from_bytes(data[:8], "little")
    indices = marshal.loads(data[8:8 + size])
    if not isinstance(indices, list) or not all(type(i) is int for i in indices):
        raise ValueError("bad reply")
    return indices, data[8 + size:]


class _Queue:
    """The shared queue of run indices: a pipe filled before the fork, then closed for
    writing, so a read returns one whole entry or nothing once it is empty."""

    def __init__(self, fd: int):
        self.fd = fd

    @classmethod
    def fill(cls, count: int) -> _Queue | None:
        try:
            r, w = os.pipe()
        except OSError:
            return None
        try:
            os.set_blocking(w, False)
            data = b"".join(i.to_bytes(_TOKEN, "little") for i in range(count))
            written = os.write(w, data)
        except OSError:    # a pipe too small to hold the queue: do not block, give up
            written = -1
        os.close(w)
        if written != len(data):
            os.close(r)
            return None
        return cls(r)

    def take(self) -> int | None:
        """The next run index, or None when the queue is empty (or closed)."""
        if self.fd < 0:
            return None
        # Entries are written in one piece and read whole: a pipe read takes a whole
        # entry or nothing, whichever process asks first.
        data = os.read(self.fd, _TOKEN)
        if len(data) != _TOKEN:
            return None
        return int.from_bytes(data, "little")

    def drain(self) -> None:
        """Take every remaining entry, so the helper finds the queue empty."""
        while self.take() is not None:
            pass

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Helper:
    def __init__(self, pid: int, fd: int):
        self.pid = pid
        self.fd = fd

    @classmethod
    def start(cls, work: Callable[[], bytes]) -> _Helper | None:
        global helpers_started
        try:
            r, w = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:    # no memory or too many processes: do it all here
            os.close(r)
            os.close(w)
            return None
        if pid == 0:
            _run_helper(r, w, work)    # never returns
        os.close(w)
        helpers_started += 1
        return cls(pid, r)

    def join(self) -> bytes | None:
        """The helper's reply, or None when it failed; the helper is reaped."""
        parts = []
        try:
            while True:
                part = os.read(self.fd, 1 << 20)
                if not part:
                    break
                parts.append(part)
        except OSError:
            parts = []
        except BaseException:    # Ctrl-C while waiting: the reply is no longer wanted
            self.stop()
            raise
        os.close(self.fd)
        self._reap()
        data = b"".join(parts)
        if len(data) < _HEADER or data[:1] != b"\x00":
            return None
        if int.from_bytes(data[1:_HEADER], "little") != len(data) - _HEADER:
            return None    # cut short
        return data[_HEADER:]

    def stop(self) -> None:
        """Kill the helper (its work is no longer wanted) and reap it."""
        import signal
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        os.close(self.fd)
        self._reap()

    def _reap(self) -> None:
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:    # already reaped (an embedder ignoring SIGCHLD)
            pass


def _run_helper(r: int, w: int, work: Callable[[], bytes]) -> None:
    """The helper's whole life: compute, reply, leave. Never returns, never raises."""
    global _in_helper
    status = 1
    try:
        _in_helper = True
        os.close(r)
        try:
            payload = bytes(work())
            header = b"\x00" + len(payload).to_bytes(8, "little")
        except BaseException:
            payload = b""
            header = b"\x01" + bytes(8)
        _write_all(w, header)
        _write_all(w, payload)
        status = 0
    except BaseException:
        pass
    finally:
        os._exit(status)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
