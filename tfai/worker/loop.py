"""One persistent asyncio event loop per worker process, in its own thread, owning the DB engine."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


async def _configure() -> None:
    from tfai.db.session import configure_engine
    from tfai.redis_client import reset_async_redis

    configure_engine(pool_size=8)  # connections are created on, and bound to, this loop
    reset_async_redis()


def get_loop() -> asyncio.AbstractEventLoop:
    """The process's action loop, started on first use (the engine is created on it)."""
    global _loop, _thread
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(target=_run, args=(loop, ready), daemon=True, name="tfai-actions-loop")
            thread.start()
            ready.wait()
            asyncio.run_coroutine_threadsafe(_configure(), loop).result()
            _loop, _thread = loop, thread
        return _loop


def submit(coro: Coroutine[Any, Any, T]) -> Future[T]:
    """Schedule a coroutine on the action loop from any thread."""
    return asyncio.run_coroutine_threadsafe(coro, get_loop())


def run(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run a coroutine on the action loop and wait for its result (from a Celery thread)."""
    return submit(coro).result(timeout)


def stop() -> None:
    """Dispose the engine and stop the loop (worker shutdown)."""
    global _loop, _thread
    with _lock:
        loop, thread, _loop, _thread = _loop, _thread, None, None
    if loop is None:
        return
    from tfai.db.session import dispose_engine

    try:
        asyncio.run_coroutine_threadsafe(dispose_engine(), loop).result(10)
    except Exception:  # noqa: BLE001 - shutting down anyway
        pass
    loop.call_soon_threadsafe(loop.stop)
    if thread is not None:
        thread.join(5)
