"""current_tasks over REST: a ticket with parallel branches lists every active task (current_task is the first),
in the detail and the list; another company's ticket answers 404 and its tasks cannot be completed."""

from __future__ import annotations

import httpx
import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.flows import active, complete, split_join
from tests.fixtures.tenants import World


async def test_a_split_ticket_shows_every_current_task(world: World, owner: psycopg.Connection,
                                                       api: httpx.AsyncClient,
                                                       auth_headers) -> None:  # type: ignore[no-untyped-def]
    a, b = world.a, world.b
    await install(a, bundle=split_join())
    req = auth_headers(a.requester)
    created = await api.post("/api/v1/tickets", json={"ticket_type": "par", "data": {"n": 1}}, headers=req)
    assert created.status_code == 201, created.text
    body = created.json()
    assert [t["key"] for t in body["current_tasks"]] == ["intake"] and body["current_task"]["key"] == "intake"
    await complete(a, active(owner, body["id"], "intake")[0])
    detail = (await api.get(f"/api/v1/tickets/{body['id']}", headers=req)).json()
    assert [t["key"] for t in detail["current_tasks"]] == ["b2", "b1", "b0"]  # newest first
    assert detail["current_task"] == detail["current_tasks"][0]
    listed = (await api.get("/api/v1/tickets", headers=req)).json()["items"]
    assert [t["key"] for t in listed[0]["current_tasks"]] == ["b2", "b1", "b0"]
    await complete(a, active(owner, body["id"], "b0")[0])
    detail = (await api.get(f"/api/v1/tickets/{body['id']}", headers=req)).json()
    assert [(t["key"], t["status"]) for t in detail["current_tasks"]] == [("meet", "PENDING"), ("b2", "OPEN"),
                                                                            ("b1", "OPEN")]

    other = auth_headers(b.admin)
    assert (await api.get(f"/api/v1/tickets/{body['id']}", headers=other)).status_code == 404
    assert body["id"] not in [t["id"] for t in (await api.get("/api/v1/tickets", headers=other)).json()["items"]]
    b1 = active(owner, body["id"], "b1")[0]
    refused = await api.post(f"/api/v1/tasks/{b1['id']}/complete", json={"output": {"ok": True}}, headers=other)
    assert refused.status_code == 404
    assert active(owner, body["id"], "b1")[0]["status"] == "OPEN"
