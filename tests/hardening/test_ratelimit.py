"""REST still answers 429 with Retry-After for the limits the services enforce, per user and per company."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.fixtures.tenants import World
from tfai.domain.errors import RateLimited
from tfai.services.common import ratelimit

TICKET = {"ticket_type": "no-such-type", "data": {}}


@pytest.fixture(autouse=True)
async def _fresh() -> None:
    await ratelimit.clear_all()


async def test_ticket_submission_per_user(world: World, client: httpx.AsyncClient, auth_headers, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_ticket_submit_per_user=2, rate_ticket_submit_per_company=100, rate_window_seconds=3600)
    h = auth_headers(world.a.requester)
    statuses = [(await client.post("/api/v1/tickets", json=TICKET, headers=h)).status_code for _ in range(2)]
    assert statuses == [404, 404]
    limited = await client.post("/api/v1/tickets", json=TICKET, headers=h)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 3600
    other = await client.post("/api/v1/tickets", json=TICKET, headers=auth_headers(world.b.requester))
    assert other.status_code == 404  # another company's user is not affected


async def test_limited_user_recovers_after_retry_after(world: World, client: httpx.AsyncClient, auth_headers,
                                                       setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_ticket_submit_per_user=1, rate_ticket_submit_per_company=100, rate_window_seconds=2)
    h = auth_headers(world.a.requester)
    await asyncio.sleep(2 - time.time() % 2)  # start at a window's beginning
    assert (await client.post("/api/v1/tickets", json=TICKET, headers=h)).status_code == 404
    limited = await client.post("/api/v1/tickets", json=TICKET, headers=h)
    assert limited.status_code == 429
    await asyncio.sleep(int(limited.headers["retry-after"]) + 0.05)
    assert (await client.post("/api/v1/tickets", json=TICKET, headers=h)).status_code == 404


async def test_ticket_submission_per_company(world: World, client: httpx.AsyncClient, auth_headers, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_ticket_submit_per_user=100, rate_ticket_submit_per_company=3, rate_window_seconds=3600)
    a = world.a
    for member in (a.requester, a.admin, a.worker1):
        assert (await client.post("/api/v1/tickets", json=TICKET, headers=auth_headers(member))).status_code == 404
    blocked = await client.post("/api/v1/tickets", json=TICKET, headers=auth_headers(a.worker2))
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert (await client.post("/api/v1/tickets", json=TICKET,
                              headers=auth_headers(world.b.requester))).status_code == 404


async def test_assistant_messages_are_limited(world: World, client: httpx.AsyncClient, auth_headers, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_assistant_per_user=1, rate_assistant_per_company=100, rate_window_seconds=3600)
    h = auth_headers(world.a.designer)
    url = "/api/v1/assistant/conversations/999999/messages"
    first = await client.post(url, json={"content": "hello"}, headers=h)
    assert first.status_code in (404, 503)
    second = await client.post(url, json={"content": "hello"}, headers=h)
    assert second.status_code == 429 and second.headers["retry-after"].isdigit()


async def test_unauthenticated_requests_are_refused_before_counting(client: httpx.AsyncClient, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_ticket_submit_per_user=1)
    for _ in range(3):
        assert (await client.post("/api/v1/tickets", json=TICKET)).status_code == 401


async def test_windows_recover(stack, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_assistant_per_user=2, rate_assistant_per_company=100, rate_window_seconds=60)
    t0 = 6_000_000.0  # the start of a window
    for _ in range(2):
        await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=1, company_id=1, now=t0 + 10)
    with pytest.raises(RateLimited) as caught:
        await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=1, company_id=1, now=t0 + 10)
    assert caught.value.retry_after == 50
    await ratelimit.enforce(ratelimit.ASSISTANT_MESSAGE, user_id=1, company_id=1, now=t0 + 60)


async def test_login_token_and_signup_throttles_answer_429_with_retry_after(world: World, client: httpx.AsyncClient,
                                                                           ) -> None:
    """The throttles (tfai.services.common.throttle) are what limits sign-up, login and token creation."""
    from tfai.services.common import throttle

    await throttle.clear_all()
    try:
        body = {"email": world.a.admin.email, "password": "wrong-password-123"}
        statuses = [(await client.post("/api/v1/auth/tokens", json=body)).status_code
                    for _ in range(throttle.LOGIN_ACCOUNT_IP.free + 1)]
        assert statuses[:throttle.LOGIN_ACCOUNT_IP.free] == [401] * throttle.LOGIN_ACCOUNT_IP.free
        last = await client.post("/api/v1/auth/tokens", json=body)
        assert last.status_code == 429 and int(last.headers["retry-after"]) >= 1
    finally:
        await throttle.clear_all()
