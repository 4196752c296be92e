"""Liveness of the database, Redis and the action workers (no tenant data involved)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tfai.db.session import system_tx
from tfai.redis_client import WORKER_HEARTBEAT_PREFIX, get_async_redis


async def check_database() -> bool:
    try:
        async with asyncio.timeout(5), system_tx() as session:
            await session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def check_redis() -> bool:
    try:
        async with asyncio.timeout(5):
            return bool(await get_async_redis().ping())  # type: ignore[misc]
    except Exception:
        return False


async def live_workers() -> int:
    try:
        async with asyncio.timeout(5):
            keys = [k async for k in get_async_redis().scan_iter(match=WORKER_HEARTBEAT_PREFIX + "*", count=100)]
        return len(keys)
    except Exception:
        return 0


async def outbox_backlog() -> int | None:
    try:
        async with asyncio.timeout(5), system_tx() as session:
            return int((await session.execute(text("SELECT tfai_outbox_backlog()"))).scalar_one())
    except Exception:
        return None


async def health() -> dict[str, Any]:
    db, rd, workers, backlog = await asyncio.gather(check_database(), check_redis(), live_workers(),
                                                    outbox_backlog())
    return {"database": "ok" if db else "down", "redis": "ok" if rd else "down",
            "worker": "ok" if workers else "missing", "workers": workers, "outbox_backlog": backlog}
