"""Per-user and per-company rate limits of use cases (Redis fixed windows), enforced by the services themselves."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tfai.domain.errors import RateLimited
from tfai.domain.policy import Actor
from tfai.redis_client import get_async_redis
from tfai.settings import Settings, get_settings

PREFIX = "tfai:rate:"


@dataclass(frozen=True)
class Rate:
    """`per_user` and `per_company` requests per window (read from settings on each call)."""

    name: str
    per_user: Callable[[Settings], int]
    per_company: Callable[[Settings], int]


TICKET_SUBMIT = Rate("ticket-submit", lambda s: s.rate_ticket_submit_per_user,
                     lambda s: s.rate_ticket_submit_per_company)
ASSISTANT_MESSAGE = Rate("assistant-message", lambda s: s.rate_assistant_per_user,
                         lambda s: s.rate_assistant_per_company)


async def enforce(rate: Rate, *, user_id: int, company_id: int, now: float | None = None) -> None:
    """Count one request for the user and the company (both counters in one Redis round trip); RateLimited when
    either is over its limit."""
    settings = get_settings()
    window = settings.rate_window_seconds
    now = time.time() if now is None else now
    slot = int(now // window)
    retry_after = max(1, int((slot + 1) * window - now + 0.999))
    scopes = (("user", user_id, rate.per_user(settings)), ("company", company_id, rate.per_company(settings)))
    keys = [f"{PREFIX}{rate.name}:{scope}:{ident}:{slot}" for scope, ident, _ in scopes]
    redis = get_async_redis()
    async with redis.pipeline(transaction=True) as pipe:
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, window + 1)
        replies = await pipe.execute()
    user_count, company_count = int(replies[0]), int(replies[2])
    (_, _, user_limit), (_, _, company_limit) = scopes
    if user_count > user_limit:
        await redis.decr(keys[1])  # refused for the user: not counted against the company (as before)
        raise RateLimited(f"Too many requests ({user_limit} per {window} s per user); try again later",
                          retry_after=retry_after)
    if company_count > company_limit:
        raise RateLimited(f"Too many requests ({company_limit} per {window} s per company); try again later",
                          retry_after=retry_after)


async def enforce_for(rate: Rate, actor: Actor) -> None:
    """`enforce` for an actor; staff acting in a company count as themselves (their real user id)."""
    await enforce(rate, user_id=actor.real_user_id, company_id=actor.company_id)


async def clear_all() -> None:
    """Remove every rate-limit window (tests and operators)."""
    redis = get_async_redis()
    keys = [k async for k in redis.scan_iter(match=PREFIX + "*", count=500)]
    if keys:
        await redis.delete(*keys)
