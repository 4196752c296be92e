"""POST/GET/DELETE /api/v1/auth/tokens: lifetime, scopes, last use, and other companies' tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fixtures.stack import Stack
from tests.fixtures.tenants import PASSWORD, Member, World
from tfai.services.common import throttle

API = "/api/v1"


@pytest.fixture
async def client(stack: Stack, db_engine: None) -> AsyncIterator[httpx.AsyncClient]:
    from tfai.api.app import create_api

    await throttle.clear_all()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()),
                                 base_url="http://localhost:3000") as c:
        yield c
    await throttle.clear_all()


async def _create(client: httpx.AsyncClient, member: Member, **extra: object) -> httpx.Response:
    return await client.post(f"{API}/auth/tokens", json={"email": member.email, "password": PASSWORD,
                                                         "name": "ci", **extra})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_lifetime_and_scopes_are_checked(client: httpx.AsyncClient, world: World) -> None:
    for bad in ({"expires_in_days": 0}, {"expires_in_days": 366}, {"scopes": ["read", "root"]},
                {"scopes": ["read"] * 6}):
        answer = await _create(client, world.a.admin, **bad)
        assert answer.status_code == 422, (bad, answer.text)
    made = await _create(client, world.a.admin, expires_in_days=30, scopes=["read"])
    assert made.status_code == 201
    token = made.json()["token"]
    listed = await client.get(f"{API}/users", headers=_bearer(token))
    assert listed.status_code == 200
    refused = await client.post(f"{API}/users", headers=_bearer(token),
                                json={"email": "x.scope@example.com", "first_name": "X", "last_name": "S"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "token_scope"
    # Listing tokens is token management (the admin scope): a read-only token cannot, a full one can.
    assert (await client.get(f"{API}/auth/tokens", headers=_bearer(token))).status_code == 403
    full = (await _create(client, world.a.admin)).json()["token"]
    mine = await client.get(f"{API}/auth/tokens", headers=_bearer(full))
    assert mine.status_code == 200
    rows = {tuple(t["scopes"] or []): t for t in mine.json()}
    assert set(rows) == {("read",), ()}
    assert rows[("read",)]["last_used_at"] is not None and rows[()]["last_used_at"] is not None
    assert rows[("read",)]["expires_at"] < rows[()]["expires_at"]


async def test_another_companys_token_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    a_token = (await _create(client, world.a.worker1)).json()["token"]
    a_id = (await client.get(f"{API}/auth/tokens", headers=_bearer(a_token))).json()[0]["id"]
    b_token = (await _create(client, world.b.admin)).json()["token"]
    assert (await client.delete(f"{API}/auth/tokens/{a_id}", headers=_bearer(b_token))).status_code == 404
    assert (await client.delete(f"{API}/auth/tokens/{a_id}", headers=_bearer(a_token))).status_code == 204
    assert (await client.get(f"{API}/auth/tokens", headers=_bearer(a_token))).status_code == 401
