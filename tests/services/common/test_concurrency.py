"""Per-company concurrency slots: a company at its limit gets 429 with Retry-After; another company does not."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from tests.fixtures.tenants import World
from tfai.domain.errors import RateLimited
from tfai.domain.limits import MAX_CONCURRENT_PER_COMPANY
from tfai.services.common.concurrency import RETRY_AFTER_SECONDS, company_slot


async def test_a_company_at_its_limit_is_refused_and_another_company_is_not(world: World) -> None:
    a, b = world.a.company_id, world.b.company_id
    async with AsyncExitStack() as held:
        for _ in range(MAX_CONCURRENT_PER_COMPANY):
            await held.enter_async_context(company_slot(a))
        with pytest.raises(RateLimited) as caught:
            async with company_slot(a):
                pass
        assert caught.value.status == 429 and caught.value.retry_after == RETRY_AFTER_SECONDS
        async with company_slot(b):  # B has its own slots
            pass
    async with company_slot(a):  # leaving the blocks gave A's slots back
        pass


async def test_a_slot_is_given_back_when_the_block_fails(world: World) -> None:
    a = world.a.company_id
    for _ in range(MAX_CONCURRENT_PER_COMPANY + 1):
        with pytest.raises(ValueError):
            async with company_slot(a):
                raise ValueError("the request failed")
    async with company_slot(a, limit=1):
        pass
