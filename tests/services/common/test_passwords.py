"""Password hashing: argon2id at the configured cost, cheap only outside production, and no rehash loop."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from tests.fixtures.stack import Stack
from tfai.services.common.passwords import HASH_PARAMETERS, hash_password, needs_rehash, verify_password

PASSWORD = "correct horse battery staple 7"


def test_the_minimal_cost_only_lowers_time_and_memory() -> None:
    standard, minimal = HASH_PARAMETERS["standard"], HASH_PARAMETERS["minimal"]
    assert standard == RFC_9106_LOW_MEMORY  # what PasswordHasher() uses by default
    assert (minimal.type, minimal.salt_len, minimal.hash_len) == (standard.type, standard.salt_len, standard.hash_len)
    assert (minimal.time_cost, minimal.memory_cost) < (standard.time_cost, standard.memory_cost)


async def test_the_test_stack_hashes_cheaply_with_argon2id(stack: Stack) -> None:
    hashed = await hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert extract_parameters(hashed) == HASH_PARAMETERS["minimal"]
    assert await verify_password(hashed, PASSWORD)
    assert not await verify_password(hashed, PASSWORD + "!")
    assert not needs_rehash(hashed)


@pytest.mark.parametrize(("configured", "other"), [("standard", "minimal"), ("minimal", "standard")])
async def test_a_hash_of_the_other_cost_verifies_and_is_rehashed_once(
        stack: Stack, setting: Callable[..., None], configured: str, other: str) -> None:
    setting(password_hash_cost=configured)
    old = PasswordHasher.from_parameters(HASH_PARAMETERS[other]).hash(PASSWORD)  # type: ignore[index]
    assert await verify_password(old, PASSWORD)
    assert needs_rehash(old)
    new = await hash_password(PASSWORD)
    assert extract_parameters(new) == HASH_PARAMETERS[configured]  # type: ignore[index]
    assert await verify_password(new, PASSWORD)
    assert not needs_rehash(new)  # the login that rehashed leaves a hash that stays put


async def test_no_stored_hash_never_verifies(stack: Stack) -> None:
    assert not await verify_password(None, PASSWORD)
    assert not await verify_password("", PASSWORD)
    assert needs_rehash("not a hash")
