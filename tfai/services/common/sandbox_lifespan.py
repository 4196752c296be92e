"""The web process's sandbox pool over the server's lifetime: started in the background at start-up, stopped at exit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tfai.services.common.tenant_code import close_pool, pool


@asynccontextmanager
async def sandbox_lifespan() -> AsyncIterator[None]:
    """The processes start in a thread while the server starts (start-up is not delayed, and the first heavy call
    finds them warm instead of paying about 0.5 s) and are stopped at shut-down."""
    warming = asyncio.ensure_future(asyncio.to_thread(pool().warm_up))
    try:
        yield
    finally:
        await asyncio.wait([warming])  # a thread cannot be cancelled; starting a few processes takes well under 1 s
        close_pool()
