"""Password hashing with argon2id, run in a worker thread so the event loop never blocks."""

from __future__ import annotations

import asyncio
import dataclasses
from functools import lru_cache

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import get_default_parameters

from tfai.settings import PasswordHashCost, get_settings

_STANDARD = get_default_parameters()  # argon2id with the library's current recommended parameters
HASH_PARAMETERS: dict[PasswordHashCost, Parameters] = {
    "standard": _STANDARD,
    # For test runs only (settings refuse it in production): the smallest time and memory cost argon2 accepts, still
    # argon2id with a full-length salt and hash, so every test that logs in does not spend 50 ms per hash.
    "minimal": dataclasses.replace(_STANDARD, time_cost=1, memory_cost=8, parallelism=1),
}


@lru_cache(maxsize=len(HASH_PARAMETERS))
def _hasher_for(cost: PasswordHashCost) -> PasswordHasher:
    return PasswordHasher.from_parameters(HASH_PARAMETERS[cost])


def _hasher() -> PasswordHasher:
    return _hasher_for(get_settings().password_hash_cost)


def _verify_sync(password_hash: str, password: str) -> bool:
    try:
        # The parameters are read from the hash itself, so hashes made with another cost keep verifying.
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=len(HASH_PARAMETERS))
def _dummy_hash(cost: PasswordHashCost) -> str:
    return _hasher_for(cost).hash("tfai-dummy-password-for-timing")


async def hash_password(password: str) -> str:
    """The argon2id hash of a password, with the configured cost."""
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; without a stored hash, verify a dummy one so timing is similar."""
    if not password_hash:
        dummy = await asyncio.to_thread(_dummy_hash, get_settings().password_hash_cost)
        await asyncio.to_thread(_verify_sync, dummy, password)
        return False
    return await asyncio.to_thread(_verify_sync, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones.

    A login rehashes once with the configured cost; the new hash then matches it, so there is no rehash loop.
    """
    try:
        return _hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True
