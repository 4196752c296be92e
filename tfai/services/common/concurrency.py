"""Per-company concurrency of the requests that run tenant code (submit, complete, dry run): a Redis semaphore.

One Redis sorted set per company holds a member per running request, scored by when its claim lapses; claiming
drops lapsed members, counts and adds in one script, so concurrent requests of all web processes share
MAX_CONCURRENT_PER_COMPANY slots. A process that dies holding a slot loses it after HOLD_SECONDS. One company at
its limit cannot take the sandbox processes every other company needs; the others have their own slots.

Inside the block, running_for() names the company, so the sandbox gives its evaluations a fair share of the pool's
processes (tenant_code passes it as the pool's key; sandbox.fair_share).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tfai.domain.errors import RateLimited
from tfai.domain.limits import MAX_CONCURRENT_PER_COMPANY
from tfai.redis_client import get_async_redis

PREFIX = "tfai:busy:"
# Far above any request's run time (its steps are bounded), short enough that a crashed process's slot returns.
HOLD_SECONDS = 60
RETRY_AFTER_SECONDS = 1

_running_for: ContextVar[int | None] = ContextVar("tfai_running_for", default=None)


def running_for() -> int | None:
    """The company whose request holds a slot in this task (None outside company_slot)."""
    return _running_for.get()

_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@asynccontextmanager
async def company_slot(company_id: int, *, limit: int = MAX_CONCURRENT_PER_COMPANY) -> AsyncIterator[None]:
    """Hold one of the company's slots for the block; RateLimited (429, Retry-After) when all are taken."""
    redis = get_async_redis()
    key, member, now = f"{PREFIX}{company_id}", secrets.token_hex(8), time.time()
    claimed = await redis.eval(_CLAIM, 1, key, now, now + HOLD_SECONDS, limit, member, HOLD_SECONDS)  # type: ignore[misc]
    if not int(claimed):
        raise RateLimited(f"Your company already has {limit} submissions, completions or dry runs running; "
                          "try again in a moment", retry_after=RETRY_AFTER_SECONDS)
    marked = _running_for.set(int(company_id))
    try:
        yield
    finally:
        _running_for.reset(marked)
        await redis.zrem(key, member)
