"""PATCH /tickets/{id}, the requester's POST /tickets/{id}/cancel, and file versions over REST."""

from __future__ import annotations

import httpx
import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import current_task, snapshot, workflow_of_ticket
from tests.fixtures.tenants import World

LAPTOP = {"model": "pro-14", "price": 2400}


async def _submit(api: httpx.AsyncClient, headers: dict[str, str]) -> int:
    created = await api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": LAPTOP}, headers=headers)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def test_edit_over_rest(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                              auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    req, other = auth_headers(a.requester), auth_headers(world.b.admin)
    tid = await _submit(api, req)
    ok = await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"price": 1999}}, headers=req)
    assert ok.status_code == 200, ok.text
    assert [(c["field"], c["before"], c["after"]) for c in ok.json()] == [("price", 2400, 1999)]
    detail = (await api.get(f"/api/v1/tickets/{tid}", headers=req)).json()
    assert detail["fields"] == {**LAPTOP, "price": 1999} and detail["can_edit"] and detail["can_withdraw"]
    assert detail["changes"][0]["changed_by_email"] == a.requester.email
    before = snapshot(owner, a.company_id), workflow_of_ticket(owner, tid)["workflow_data"]
    bad = await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"model": "c64", "price": -5}}, headers=req)
    assert bad.status_code == 422 and {d["field"] for d in bad.json()["error"]["details"]} == {"model", "price"}
    assert (await api.patch(f"/api/v1/tickets/{tid}", json={"price": 5}, headers=req)).status_code == 422
    assert (await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"price": 5}}, headers=other)).status_code \
        == 404
    task = current_task(owner, tid)
    assert task is not None
    assignee = a.worker1 if task["assigned_to"] == a.worker1.id else a.worker2
    wh = auth_headers(assignee)
    denied = await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"price": 5}}, headers=wh)
    assert denied.status_code == 403 and denied.json()["error"]["message"]
    assert (snapshot(owner, a.company_id), workflow_of_ticket(owner, tid)["workflow_data"]) == before
    done = await api.post(f"/api/v1/tasks/{task['id']}/complete", json={"output": {"approved": False}}, headers=wh)
    assert done.status_code == 200
    late = await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"price": 5}}, headers=req)
    assert late.status_code == 409 and "ticket admin" in late.json()["error"]["message"]
    assert (await api.patch(f"/api/v1/tickets/{tid}", json={"fields": {"price": 5}},
                            headers=auth_headers(a.ticket_admin))).status_code == 200


async def test_requester_withdraws_over_rest(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                             auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    req = auth_headers(a.requester)
    tid = await _submit(api, req)
    other = await _submit(api, auth_headers(a.admin))
    assert (await api.post(f"/api/v1/tickets/{tid}/cancel", json={}, headers=auth_headers(world.b.requester))) \
        .status_code == 404
    assert (await api.post(f"/api/v1/tickets/{other}/cancel", json={}, headers=req)).status_code == 404
    assert workflow_of_ticket(owner, tid)["w_status"] == "IN_PROGRESS"
    gone = await api.post(f"/api/v1/tickets/{tid}/cancel", json={"reason": "not needed"}, headers=req)
    assert gone.status_code == 204
    assert workflow_of_ticket(owner, tid)["w_status"] == "CANCELLED"
    assert (await api.post(f"/api/v1/tickets/{tid}/cancel", headers=req)).status_code == 409


async def test_file_versions_over_rest(world: World, api: httpx.AsyncClient,
                                       auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    req = auth_headers(a.requester)
    tid = await _submit(api, req)
    ids = []
    for body in (b"first", b"second"):
        up = await api.post(f"/api/v1/tickets/{tid}/attachments", headers=req,
                            files={"file": ("notes.txt", body, "text/plain")})
        assert up.status_code == 201, up.text
        ids.append(up.json()["id"])
        assert up.json()["version"] == len(ids)
    other = await api.post(f"/api/v1/tickets/{tid}/attachments", headers=req,
                           files={"file": ("other.txt", b"x", "text/plain")})
    assert other.json()["version"] == 1
    files = (await api.get(f"/api/v1/tickets/{tid}", headers=req)).json()["attachments"]
    assert [(f["filename"], f["version"], [o["version"] for o in f["older_versions"]]) for f in files] == [
        ("notes.txt", 2, [1]), ("other.txt", 1, [])]
    for fid, body in zip(ids, (b"first", b"second"), strict=True):
        down = await api.get(f"/api/v1/files/{fid}", headers=req)
        assert down.status_code == 200 and down.content == body
        assert (await api.get(f"/api/v1/files/{fid}", headers=auth_headers(world.b.admin))).status_code == 404
