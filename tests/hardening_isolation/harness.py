"""Run the async services from synchronous hypothesis code: one event loop on its own thread, owning the engine."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
STEP_TIMEOUT = 120.0


class LoopThread:
    """A private event loop; run() blocks until a coroutine has finished on it (exceptions propagate)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="isolation-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=STEP_TIMEOUT)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


async def adopt_engine() -> None:
    """Start from a fresh engine and Redis client: they bind to the loop that first uses them."""
    from tfai.db.session import configure_engine, dispose_engine
    from tfai.redis_client import reset_async_redis

    await dispose_engine()
    configure_engine(pool_size=5)
    reset_async_redis()


def hand_back_engine(loop: LoopThread) -> None:
    """Dispose of the private loop's connections and leave a fresh engine for the session's loop."""
    from tfai.db.session import configure_engine, dispose_engine
    from tfai.redis_client import reset_async_redis

    loop.run(dispose_engine())
    configure_engine(pool_size=5)
    reset_async_redis()
