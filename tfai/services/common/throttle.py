"""Redis-based throttling: exponential back-off after a few free failures, never a permanent lock-out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tfai.domain.errors import RateLimited
from tfai.redis_client import get_async_redis

PREFIX = "tfai:throttle:"


@dataclass(frozen=True)
class Limit:
    """`free` events per window pass; each further one doubles the wait (from base_seconds up to max_seconds)."""

    name: str
    free: int
    base_seconds: int
    max_seconds: int
    window_seconds: int


# Failed logins per (account, address): what one browser or attacker gets before backing off.
LOGIN_ACCOUNT_IP = Limit("login-account-ip", free=5, base_seconds=2, max_seconds=900, window_seconds=3600)
# Failed logins per account from all addresses: a higher ceiling, so one address cannot lock the account for
# everyone while guesses spread over many addresses stay bounded.
LOGIN_ACCOUNT = Limit("login-account", free=50, base_seconds=2, max_seconds=900, window_seconds=3600)
LOGIN_IP = Limit("login-ip", free=30, base_seconds=2, max_seconds=900, window_seconds=3600)
SIGNUP_IP = Limit("signup-ip", free=30, base_seconds=10, max_seconds=3600, window_seconds=3600)
TOKEN_IP = Limit("token-ip", free=30, base_seconds=10, max_seconds=3600, window_seconds=3600)


def _ident(key: str) -> str:
    return hashlib.sha256(key.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]


def count_key(limit: Limit, key: str) -> str:
    return f"{PREFIX}{limit.name}:count:{_ident(key)}"


def lock_key(limit: Limit, key: str) -> str:
    return f"{PREFIX}{limit.name}:lock:{_ident(key)}"


def delay_for(limit: Limit, count: int) -> int:
    """Seconds to wait after the count-th event in the window (0 while still free)."""
    over = count - limit.free
    if over <= 0:
        return 0
    return int(min(limit.max_seconds, limit.base_seconds * 2 ** min(over - 1, 30)))


async def check(limit: Limit, key: str) -> None:
    """Raise RateLimited while a back-off is running for this key."""
    ttl = int(await get_async_redis().pttl(lock_key(limit, key)))
    if ttl > 0:
        raise RateLimited("Too many attempts; try again later", retry_after=max(1, -(-ttl // 1000)))


async def hit(limit: Limit, key: str) -> None:
    """Claim one attempt before it runs: refused while a back-off runs, counted otherwise.

    Atomic under concurrency: past the free allowance only the attempt that sets the back-off lock (SET NX)
    goes on, so simultaneous guesses cannot all slip through between a check and a count. A refused attempt
    is not counted.
    """
    await check(limit, key)
    redis = get_async_redis()
    ckey, lkey = count_key(limit, key), lock_key(limit, key)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(ckey)
        pipe.expire(ckey, limit.window_seconds)
        count, _ = await pipe.execute()
    delay = delay_for(limit, int(count))
    if delay and not await redis.set(lkey, b"1", ex=delay, nx=True):
        await redis.decr(ckey)
        await check(limit, key)
        raise RateLimited("Too many attempts; try again later", retry_after=1)


async def refund(limit: Limit, key: str) -> None:
    """Take back one claimed attempt (it succeeded): successful logins never count against an address."""
    redis = get_async_redis()
    ckey = count_key(limit, key)
    if int(await redis.decr(ckey)) <= 0:
        await redis.delete(ckey)


async def reset(limit: Limit, key: str) -> None:
    """Forget the key's events (after a successful login)."""
    await get_async_redis().delete(count_key(limit, key), lock_key(limit, key))


async def clear_all() -> None:
    """Remove every throttle key (tests and operator use)."""
    redis = get_async_redis()
    keys = [k async for k in redis.scan_iter(match=PREFIX + "*", count=500)]
    if keys:
        await redis.delete(*keys)
