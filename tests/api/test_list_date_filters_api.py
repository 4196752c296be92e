"""Date filters of the task and ticket lists take ISO 8601 text only: a number is a 422 naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.services.tickets import submission

LISTS = ("/api/v1/tasks?scope=company", "/api/v1/tickets?scope=company")
NOT_DATES = ("0.0", "0", "1700000000", "-1", "1e9", "2024-1-5", "yesterday", "24-01-31", "2024-01-31garbage", "")


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("name", ["created_from", "created_to"])
async def test_a_number_is_not_a_date(world: World, api: httpx.AsyncClient, auth_headers: Any, url: str,
                                      name: str) -> None:
    h = auth_headers(world.a.ticket_admin)
    for value in NOT_DATES:
        resp = await api.get(f"{url}&{name}={value}", headers=h)
        assert resp.status_code == 422, (value, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "invalid_input"
        [detail] = error["details"]
        assert detail["field"] == f"query.{name}", value
        assert "ISO 8601" in detail["message"], detail


@pytest.mark.parametrize("url", LISTS)
async def test_iso_dates_and_date_times_filter(world: World, api: httpx.AsyncClient, auth_headers: Any, owner: Any,
                                               url: str) -> None:
    await install(world.a)
    ticket = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                            data={"model": "air-13", "price": 1200})
    owner.execute("UPDATE ticket_instances SET created_at = '2024-01-15T12:00:00Z' WHERE id = %s", (ticket.id,))
    owner.execute("UPDATE task_instances t SET created_at = '2024-01-15T12:00:00Z' FROM ticket_instances i "
                  "WHERE i.id = %s AND t.workflow_instance_id = i.workflow_instance_id", (ticket.id,))
    h = auth_headers(world.a.ticket_admin)

    async def count(query: str) -> int:
        resp = await api.get(f"{url}&{query}", headers=h)
        assert resp.status_code == 200, (query, resp.text)
        return int(resp.json()["total"])

    assert await count("created_from=2024-01-15&created_to=2024-01-16") == 1
    assert await count("created_from=2024-01-15T12:00:00Z&created_to=2024-01-15T12:00:01%2B00:00") == 1
    # A date-time without an offset is UTC: 13:00 in Paris is 12:00 UTC, so the ticket is not before it.
    assert await count("created_to=2024-01-15T12:00:00") == 0
    assert await count("created_to=2024-01-15T13:00:00%2B01:00") == 0
    assert await count("created_from=2024-01-16") == 0
    # Another company's admin sees none of it, with the same filters.
    resp = await api.get(f"{url}&created_from=2024-01-15&created_to=2024-01-16", headers=auth_headers(world.b.admin))
    assert resp.status_code == 200 and resp.json()["total"] == 0
