"""Rate-limit windows: both counters in one pipeline, and a request refused for the user is not the company's."""

from __future__ import annotations

import pytest

from tfai.domain.errors import RateLimited
from tfai.redis_client import get_async_redis
from tfai.services.common import ratelimit


@pytest.fixture(autouse=True)
async def _fresh(stack: object) -> None:
    await ratelimit.clear_all()


async def _company_count(company_id: int, slot: int) -> int:
    raw = await get_async_redis().get(f"{ratelimit.PREFIX}assistant-message:company:{company_id}:{slot}")
    return int(raw or 0)


async def test_a_request_refused_for_the_user_does_not_count_for_the_company(setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_assistant_per_user=1, rate_assistant_per_company=3, rate_window_seconds=60)
    now = 6_000_000.0
    slot = int(now // 60)
    await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=901, company_id=77, now=now)
    for _ in range(3):
        with pytest.raises(RateLimited):
            await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=901, company_id=77, now=now)
    assert await _company_count(77, slot) == 1
    await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=902, company_id=77, now=now)
    await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=903, company_id=77, now=now)
    with pytest.raises(RateLimited) as company:
        await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=904, company_id=77, now=now)
    assert "per company" in company.value.message and 1 <= company.value.retry_after <= 60
