"""Tickets over REST: the laptop example end to end, errors, attachments, and cross-tenant 404s."""

from __future__ import annotations

import httpx
import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import snapshot, task_row
from tests.fixtures.tenants import World

LAPTOP = {"model": "pro-14", "price": 2400}


async def test_laptop_end_to_end(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                 auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    req = auth_headers(a.requester)
    types = await api.get("/api/v1/ticket-types", headers=req)
    assert types.status_code == 200 and [t["key"] for t in types.json()] == ["laptop"]
    created = await api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": LAPTOP}, headers=req)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "active" and body["current_task"]["key"] == "approve"
    worker = a.worker1 if body["current_task"]["assignee_id"] == a.worker1.id else a.worker2
    wh = auth_headers(worker)
    mine = (await api.get("/api/v1/tasks", headers=wh)).json()
    assert [t["id"] for t in mine["items"]] == [body["current_task"]["id"]]
    task = (await api.get(f"/api/v1/tasks/{body['current_task']['id']}", headers=wh)).json()
    assert task["input"] == LAPTOP
    done = await api.post(f"/api/v1/tasks/{task['id']}/complete", json={"output": {"approved": False}}, headers=wh)
    assert done.status_code == 200 and done.json()["workflow_status"] == "IN_PROGRESS"
    rejected = done.json()["next_task_id"]
    assignee = task_row(owner, rejected)["assigned_to"]
    rh = auth_headers(a.worker1 if assignee == a.worker1.id else a.worker2)
    again = await api.post(f"/api/v1/tasks/{task['id']}/complete", json={"output": {"approved": True}}, headers=wh)
    assert again.status_code == 409
    end = await api.post(f"/api/v1/tasks/{rejected}/complete", json={"output": {"note": "no budget"}}, headers=rh)
    assert end.json() == {"next_task_id": None, "workflow_status": "COMPLETED"}
    archived = (await api.get("/api/v1/tickets?state=archived", headers=req)).json()
    assert [t["id"] for t in archived["items"]] == [body["id"]]
    detail = (await api.get(f"/api/v1/tickets/{body['id']}", headers=req)).json()
    assert [t["key"] for t in detail["timeline"]] == ["approve", "rejected"] and detail["status"] == "archived"


async def test_bad_input_writes_nothing(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                        auth_headers) -> None:  # type: ignore[no-untyped-def]
    await install(world.a)
    await install(world.a, "customer-refund.json")
    req = auth_headers(world.a.requester)
    before = snapshot(owner, world.a.company_id)
    bad = await api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": {"model": "x"}}, headers=req)
    assert bad.status_code == 422 and {d["field"] for d in bad.json()["error"]["details"]} == {"model", "price"}
    assert (await api.post("/api/v1/tickets", json={"ticket_type": "nope", "data": {}}, headers=req)).status_code == 404
    refund = await api.post("/api/v1/tickets", json={"ticket_type": "refund", "data": {}}, headers=req)
    assert refund.status_code == 403
    huge = await api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": {"j": "x" * 2_000_000}},
                          headers=req)
    assert huge.status_code == 413
    assert (await api.get("/api/v1/tickets?scope=company", headers=req)).status_code == 403
    assert snapshot(owner, world.a.company_id) == before


async def test_comments_steering_attachments_and_cross_tenant(world: World, owner: psycopg.Connection,
                                                              api: httpx.AsyncClient,
                                                              auth_headers) -> None:  # type: ignore[no-untyped-def]
    await install(world.a)
    req, adm, other = auth_headers(world.a.requester), auth_headers(world.a.ticket_admin), auth_headers(world.b.admin)
    tid = (await api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": LAPTOP}, headers=req)).json()["id"]
    up = await api.post(f"/api/v1/tickets/{tid}/attachments", headers=req,
                        files={"file": ("note.txt", b"hello", "text/plain")})
    assert up.status_code == 201, up.text
    fid = up.json()["id"]
    before = snapshot(owner, world.a.company_id)
    for method, path, body in [
        ("GET", f"/api/v1/tickets/{tid}", None), ("POST", f"/api/v1/tickets/{tid}/comments", {"body": "x"}),
        ("POST", f"/api/v1/tickets/{tid}/cancel", {}), ("POST", f"/api/v1/tickets/{tid}/hold", {"reason": "x"}),
        ("POST", f"/api/v1/tickets/{tid}/resume", None), ("GET", f"/api/v1/files/{fid}", None),
    ]:
        assert (await api.request(method, path, json=body, headers=other)).status_code == 404, path
    cross = await api.post(f"/api/v1/tickets/{tid}/attachments", headers=other,
                           files={"file": ("n.txt", b"x", "text/plain")})
    assert cross.status_code == 404
    assert snapshot(owner, world.a.company_id) == before
    assert (await api.get("/api/v1/tickets?scope=company", headers=other)).json()["total"] == 0
    down = await api.get(f"/api/v1/files/{fid}", headers=req)
    assert down.status_code == 200 and down.content == b"hello"
    assert down.headers["x-content-type-options"] == "nosniff"
    assert down.headers["content-disposition"].startswith("attachment")
    bad = await api.post(f"/api/v1/tickets/{tid}/attachments", headers=req,
                         files={"file": ("x.html", b"<html>", "text/html")})
    assert bad.status_code == 422
    long = await api.post(f"/api/v1/tickets/{tid}/comments", json={"body": "x" * 10_001}, headers=req)
    assert long.status_code == 422
    assert (await api.post(f"/api/v1/tickets/{tid}/comments", json={"body": "hi"}, headers=req)).status_code == 201
    assert (await api.post(f"/api/v1/tickets/{tid}/hold", json={"reason": "x"}, headers=req)).status_code == 403
    assert (await api.post(f"/api/v1/tickets/{tid}/hold", json={"reason": "wait"}, headers=adm)).status_code == 204
    assert (await api.post(f"/api/v1/tickets/{tid}/resume", headers=adm)).status_code == 204
    assert (await api.post(f"/api/v1/tickets/{tid}/cancel", json={"reason": "dup"}, headers=adm)).status_code == 204
    detail = (await api.get(f"/api/v1/tickets/{tid}", headers=req)).json()
    assert detail["workflow_status"] == "CANCELLED" and [c["body"] for c in detail["comments"]] == ["hi"]


async def test_idempotency_key_makes_a_retried_submission_safe(world: World, owner: psycopg.Connection,
                                                              api: httpx.AsyncClient,
                                                              auth_headers) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    await install(a)
    await install(world.b)
    req = {**auth_headers(a.requester), "Idempotency-Key": "3f7c1e0a-retry"}
    body = {"ticket_type": "laptop", "data": LAPTOP}
    first = await api.post("/api/v1/tickets", json=body, headers=req)
    assert first.status_code == 201 and first.json()["replayed"] is False
    again = await api.post("/api/v1/tickets", json=body, headers=req)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    before = snapshot(owner, a.company_id)
    clash = await api.post("/api/v1/tickets", json={**body, "data": {**LAPTOP, "price": 1}}, headers=req)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "conflict"
    for bad in ("x" * 256, "two words"):
        refused = await api.post("/api/v1/tickets", json=body, headers={**req, "Idempotency-Key": bad})
        assert refused.status_code == 422 and set(refused.json()["error"]) == {"code", "message", "details"}
    assert snapshot(owner, a.company_id) == before
    other = await api.post("/api/v1/tickets", json=body, headers={**auth_headers(world.b.requester),
                                                                   "Idempotency-Key": "3f7c1e0a-retry"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
