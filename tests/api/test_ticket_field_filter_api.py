"""REST ticket list: the `field.<name>=<value>` custom-field filter, within the caller's company."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


async def test_rest_field_filter(world: World, api: httpx.AsyncClient, auth_headers: Any) -> None:
    await install(world.a)
    pro = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                      data={"model": "pro-16", "price": 2500})
    await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    headers = auth_headers(world.a.ticket_admin)
    resp = await api.get("/api/v1/tickets?scope=company&field.model=pro-16", headers=headers)
    assert resp.status_code == 200 and [t["id"] for t in resp.json()["items"]] == [pro.id]
    other = auth_headers(world.b.ticket_admin)
    resp = await api.get("/api/v1/tickets?scope=company&field.model=pro-16", headers=other)
    assert resp.status_code == 200 and resp.json()["total"] == 0
    resp = await api.get("/api/v1/tickets?scope=company&field.model=" + "x" * 201, headers=headers)
    assert resp.status_code == 422
