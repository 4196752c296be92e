"""Process-wide async and sync Redis clients for the configured URL."""

from __future__ import annotations

import redis
import redis.asyncio as aioredis

from tfai.settings import get_settings

WORKER_HEARTBEAT_PREFIX = "tfai:worker:heartbeat:"
_async: aioredis.Redis | None = None


def get_async_redis() -> aioredis.Redis:
    global _async
    if _async is None:
        url = get_settings().redis_url
        if not url:
            raise RuntimeError("TFAI_REDIS_URL is not set and no embedded Redis was started")
        _async = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return _async


def reset_async_redis() -> None:
    global _async
    _async = None


def get_sync_redis() -> redis.Redis:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("TFAI_REDIS_URL is not set and no embedded Redis was started")
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def celery_broker_url(url: str) -> str:
    """Celery spells a unix socket Redis URL redis+socket://."""
    if url.startswith("unix://"):
        return "redis+socket://" + url[len("unix://"):]
    return url
