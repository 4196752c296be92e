"""Ticket submission is rate limited in the service, so every entry point (REST, UI, scripts) counts."""

from __future__ import annotations

import pytest

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.domain.errors import RateLimited
from tfai.services.common import ratelimit
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


@pytest.fixture(autouse=True)
async def _fresh(stack: object) -> None:
    await ratelimit.clear_all()


async def test_submit_ticket_is_limited_per_user_without_rest(world: World, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_ticket_submit_per_user=2, rate_ticket_submit_per_company=100, rate_window_seconds=3600)
    await install(world.a)
    await install(world.b)
    for _ in range(2):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    with pytest.raises(RateLimited) as limited:
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert 1 <= limited.value.retry_after <= 3600
    # Another user of the company and another company's user are not affected by this user's window.
    await submission.submit_ticket(world.a.admin.actor, ticket_type="laptop", data=LAPTOP)
    await submission.submit_ticket(world.b.requester.actor, ticket_type="laptop", data=LAPTOP)


async def test_submit_ticket_is_limited_per_company(world: World, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_ticket_submit_per_user=100, rate_ticket_submit_per_company=2, rate_window_seconds=3600)
    await install(world.a)
    await install(world.b)
    await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    await submission.submit_ticket(world.a.admin.actor, ticket_type="laptop", data=LAPTOP)
    with pytest.raises(RateLimited):
        await submission.submit_ticket(world.a.worker1.actor, ticket_type="laptop", data=LAPTOP)
    await submission.submit_ticket(world.b.requester.actor, ticket_type="laptop", data=LAPTOP)
