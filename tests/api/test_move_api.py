"""Moving a ticket over REST: 200 with the new task, 403 for a requester, 404 across companies, 422, 409."""

from __future__ import annotations

import httpx
import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import snapshot, workflow_of_ticket
from tests.fixtures.tenants import World

LAPTOP = {"model": "pro-14", "price": 2400}


async def test_move_route(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                          auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    created = await api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": LAPTOP},
                             headers=auth_headers(a.requester))
    ticket_id = created.json()["id"]
    url = f"/api/v1/tickets/{ticket_id}/move"
    before = snapshot(owner, a.company_id)
    denied = await api.post(url, json={"task": "rejected"}, headers=auth_headers(a.requester))
    assert denied.status_code == 403
    hidden = await api.post(url, json={"task": "rejected"}, headers=auth_headers(world.b.admin))
    assert hidden.status_code == 404
    unknown = await api.post(url, json={"task": "rejectd"}, headers=auth_headers(a.ticket_admin))
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "task"
    assert "rejected" in unknown.json()["error"]["details"][0]["message"]
    assert snapshot(owner, a.company_id) == before
    moved = await api.post(url, json={"task": "rejected", "reason": "no budget this year"},
                           headers=auth_headers(a.ticket_admin))
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["cancelled"] == 1 and body["task"]["key"] == "rejected" and body["task"]["status"] == "OPEN"
    detail = (await api.get(f"/api/v1/tickets/{ticket_id}", headers=auth_headers(a.admin))).json()
    assert [(t["key"], t["status"]) for t in detail["timeline"]] == [("approve", "CANCELLED"), ("rejected", "OPEN")]
    await api.post(f"/api/v1/tickets/{ticket_id}/cancel", json={"reason": "done"}, headers=auth_headers(a.admin))
    assert workflow_of_ticket(owner, ticket_id)["w_status"] == "CANCELLED"
    late = await api.post(url, json={"task": "approve"}, headers=auth_headers(a.admin))
    assert late.status_code == 409
