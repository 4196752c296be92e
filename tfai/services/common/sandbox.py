"""A small pool of processes that run tenant-authored code: a call past its deadline is killed, its process replaced.

A thread cannot be stopped, so the bound is a process: each call goes to one idle process over a pipe; a call that
does not answer by its deadline gets SIGKILL and a fresh process takes its place, while the other processes keep
serving. Async callers wait in a dedicated thread pool (never the loop's default one, which password hashing uses),
so the event loop is never blocked. Processes come from a fork server that preloaded the domain, so a replacement
starts in milliseconds, and each has an address-space cap so a hostile allocation fails there, not here.

Fairness: async calls carry a key (the company whose code runs); one key holds at most max(1, size - 1) processes at
once and its further calls wait in line before they take a waiter thread, so a company that saturates the pool
leaves a process free for every other company's evaluation.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from tfai.domain.errors import TfaiError

T = TypeVar("T")

# Enough for the largest legitimate evaluation (256 KiB of data converted to CEL values, the validator's caches).
MEMORY_BYTES = 1024 * 1024 * 1024
PROCESSES = max(2, min(4, os.cpu_count() or 2))


class TimeLimitExceeded(TfaiError):
    """Tenant code ran past its deadline and was stopped."""

    code = "time_limit"
    status = 422


class SandboxFailed(TfaiError):
    """The sandbox process died (out of memory, killed) before answering."""

    code = "sandbox_failed"
    status = 422


def _serve(conn: Connection, warm: Callable[[], object] | None) -> None:
    """A sandbox process: warm up, then run calls until the pipe closes; errors travel back as (class, args,
    attributes)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    if warm is not None:
        warm()
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[Any, ...] = ("ok", fn(*args, **kwargs))
        except MemoryError:
            failed = SandboxFailed(f"The evaluation needed more than {MEMORY_BYTES >> 20} MiB of memory")
            reply = ("err", SandboxFailed, failed.args, dict(vars(failed)))
        except Exception as exc:  # noqa: BLE001 - every failure is the caller's to judge
            reply = ("err", type(exc), exc.args, dict(vars(exc)))
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or error
            conn.send(("err", SandboxFailed, (f"The result could not be returned ({type(exc).__name__})",), {}))


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], attrs: dict[str, Any]) -> BaseException:
    """The error raised in the sandbox, rebuilt without calling its __init__ (whose signature may differ)."""
    exc = cls.__new__(cls)
    exc.args = args
    vars(exc).update(attrs)
    return exc


class _Process:
    def __init__(self, context: Any, warm: Callable[[], object] | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, warm), daemon=True, name="tfai-sandbox")
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def fair_share(size: int) -> int:
    """How many processes of a pool of `size` one key may hold at once: all but one, at least one."""
    return max(1, size - 1)


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class _FairGate:
    """At most `cap` running calls per key; a key's further calls wait in line (first come, first served).

    Works across event loops and threads: the counts live under a thread lock, a waiter's future is woken on its own
    loop, and a slot handed to a waiter that was cancelled meanwhile is passed on to the next.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._lock = threading.Lock()
        self._held: dict[Hashable, int] = {}
        self._lines: dict[Hashable, deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]] = {}

    def held(self, key: Hashable) -> int:
        with self._lock:
            return self._held.get(key, 0)

    async def acquire(self, key: Hashable) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._held.get(key, 0) < self.cap and not self._lines.get(key):
                self._held[key] = self._held.get(key, 0) + 1
                return
            waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] = (loop, loop.create_future())
            self._lines.setdefault(key, deque()).append(waiter)
        try:
            await waiter[1]
        except asyncio.CancelledError:
            with self._lock:
                line = self._lines.get(key)
                if line is not None and waiter in line:
                    line.remove(waiter)
                    if not line:
                        del self._lines[key]
                    raise
            self.release(key)  # the slot was handed over just before the cancellation: pass it on
            raise

    def release(self, key: Hashable) -> None:
        """Hand the slot to the key's next waiter (the count stays), or give it back."""
        with self._lock:
            line = self._lines.get(key)
            while line:
                loop, fut = line.popleft()
                if not line:
                    del self._lines[key]
                try:
                    loop.call_soon_threadsafe(_wake, fut)
                    return
                except RuntimeError:  # that waiter's loop is closed: the next one gets it
                    line = self._lines.get(key)
            left = self._held.get(key, 0) - 1
            if left > 0:
                self._held[key] = left
            else:
                self._held.pop(key, None)


class Pool:
    """Up to `size` sandbox processes, started on demand; `call` blocks its thread, `run` awaits.

    `preload`: modules the fork server imports once (every process is forked from it, so "__main__" is listed:
    otherwise each process would import the main script again); `warm`: run by each new process before its first
    call (building parsers, filling caches), so a replacement is ready by the time anyone needs it.
    """

    def __init__(self, size: int = PROCESSES, *, preload: tuple[str, ...] = (),
                 warm: Callable[[], object] | None = None) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["__main__", *preload])
        self._warm = warm
        self._size = size
        self._idle: list[_Process] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._waiters = ThreadPoolExecutor(max_workers=size, thread_name_prefix="tfai-sandbox")
        self._gate = _FairGate(fair_share(size))

    def call(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], *, seconds: float) -> T:
        """fn(*args, **kwargs) in a sandbox process; TimeLimitExceeded after `seconds` of running (not waiting)."""
        with self._slots:
            with self._lock:
                proc = self._idle.pop() if self._idle else None
            if proc is None or not proc.process.is_alive():
                proc = _Process(self._context, self._warm)
            try:
                proc.conn.send((fn, args, kwargs))
                if not proc.conn.poll(seconds):
                    self._replace(proc)
                    raise TimeLimitExceeded(f"Stopped after {seconds:g} s", details={"seconds": seconds})
                reply = proc.conn.recv()
            except (EOFError, OSError) as exc:
                self._replace(proc)
                raise SandboxFailed("The evaluation stopped before answering (it may have used too much memory)") \
                    from exc
            with self._lock:
                self._idle.append(proc)
        if reply[0] == "ok":
            return reply[1]  # type: ignore[no-any-return]
        raise _rebuild(*reply[1:])

    def _replace(self, proc: _Process) -> None:
        """Kill a process and start its successor now: it warms up while nobody waits for it."""
        proc.kill()
        spare = _Process(self._context, self._warm)
        with self._lock:
            self._idle.append(spare)

    def warm_up(self) -> None:
        """Start every process ahead of the first calls (at start-up; processes otherwise start on demand)."""
        with self._lock:
            self._idle.extend(_Process(self._context, self._warm) for _ in range(self._size - len(self._idle)))

    async def run(self, fn: Callable[..., T], /, *args: Any, seconds: float, fair_key: Hashable = None,
                  **kwargs: Any) -> T:
        """`call` from async code: the loop stays free while a waiter thread holds the pipe. `fair_key` (a company)
        holds at most fair_share(size) processes at once; calls without one share the key None."""
        await self._gate.acquire(fair_key)
        try:
            job = self._waiters.submit(self.call, fn, args, kwargs, seconds=seconds)
        except BaseException:
            self._gate.release(fair_key)
            raise
        # The slot is the process's: it is given back when the call ends, even if this awaiting task is cancelled.
        job.add_done_callback(lambda _: self._gate.release(fair_key))
        return await asyncio.wrap_future(job)

    def in_use(self, key: Hashable) -> int:
        """How many processes calls of `key` hold or are about to hold."""
        return self._gate.held(key)

    def live_processes(self) -> int:
        """Started processes that are still alive and idle (what warm_up prepares)."""
        with self._lock:
            return sum(1 for proc in self._idle if proc.process.is_alive())

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for proc in idle:
            proc.kill()
        self._waiters.shutdown(wait=False)


