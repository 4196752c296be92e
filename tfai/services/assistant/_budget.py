"""The assistant's guards around one model reply: one reply in flight per user, and the token budget reserved first."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tfai.assistant.drafting import MAX_REPAIRS
from tfai.domain.errors import Conflict
from tfai.domain.policy import Actor
from tfai.redis_client import get_async_redis
from tfai.settings import get_settings

LOCK_PREFIX = "tfai:assistant:reply:"
RESERVED_PREFIX = "tfai:assistant:reserved:"
_RESERVED_TTL = 2 * 24 * 3600  # a day's key outlives the day, so a reply running over midnight still settles
# Delete the lock only while it is still ours: after its TTL ran out another reply may hold it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _lock_seconds() -> int:
    """Long enough for every model call of one reply (the first and each repair), so a live reply keeps it."""
    return int(get_settings().llm_timeout_seconds * (MAX_REPAIRS + 1)) + 60


@asynccontextmanager
async def reply_slot(actor: Actor) -> AsyncIterator[None]:
    """Hold the user's single reply slot (a Redis lock with a TTL, so a crashed process frees it); Conflict if busy."""
    redis = get_async_redis()
    key, token = f"{LOCK_PREFIX}{actor.real_user_id}", secrets.token_hex(16)
    if not await redis.set(key, token, nx=True, ex=_lock_seconds()):
        raise Conflict("The assistant is still answering your previous message; wait for it (or stop it) and "
                       "send again", code="assistant_busy")
    try:
        yield
    finally:
        await redis.eval(_RELEASE, 1, key, token)  # type: ignore[misc]


@asynccontextmanager
async def reservation(company_id: int, day: str) -> AsyncIterator[int]:
    """Reserve one reply's estimated tokens for the company's day; yields every reply's reservation, ours included.

    The reservation is taken before the caller reads the tokens already used and given back only after the real
    usage is recorded, so `used + reserved` never undercounts: parallel replies cannot together pass the budget by
    more than one reply's excess over its estimate.
    """
    redis = get_async_redis()
    key, estimate = f"{RESERVED_PREFIX}{company_id}:{day}", get_settings().llm_reply_token_reserve
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incrby(key, estimate)
        pipe.expire(key, _RESERVED_TTL)
        total, _ = await pipe.execute()
    try:
        yield int(total)
    finally:
        await redis.decrby(key, estimate)
