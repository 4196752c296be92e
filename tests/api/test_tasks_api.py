"""Tasks over REST: lists, concurrent completion (one 200, nine 409), reassign, retry, availability, tenants."""

from __future__ import annotations

import asyncio
from typing import get_args

import httpx
import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count, snapshot, task_row
from tests.fixtures.tenants import World
from tfai.api.routes.tasks import TaskStatusName
from tfai.api.routes.tickets import WorkflowStatusName
from tfai.domain.lifecycle import TaskStatus, WorkflowStatus
from tfai.services.tickets import attachments, submission
from tfai.services.workflow import action_results


async def _task(world: World) -> tuple[int, int]:
    await install(world.a)
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                          data={"model": "air-13", "price": 1})
    assert created.current_task is not None and created.current_task.assignee_id is not None
    return created.current_task.id, created.current_task.assignee_id


async def test_ten_concurrent_completions(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                          auth_headers) -> None:  # type: ignore[no-untyped-def]
    task_id, assignee = await _task(world)
    headers = auth_headers(world.a.worker1 if assignee == world.a.worker1.id else world.a.worker2)
    answers = await asyncio.gather(*[api.post(f"/api/v1/tasks/{task_id}/complete",
                                              json={"output": {"approved": True}}, headers=headers)
                                     for _ in range(10)])
    assert sorted(r.status_code for r in answers) == [200] + [409] * 9
    wid = task_row(owner, task_id)["workflow_instance_id"]
    assert count(owner, "SELECT count(*) FROM task_instances WHERE workflow_instance_id = %s", wid) == 2


async def test_steering_and_cross_tenant(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                         auth_headers) -> None:  # type: ignore[no-untyped-def]
    task_id, assignee = await _task(world)
    other = world.a.worker2 if assignee == world.a.worker1.id else world.a.worker1
    adm, outsider = auth_headers(world.a.ticket_admin), auth_headers(world.b.admin)
    before = snapshot(owner, world.a.company_id)
    checks: list[tuple[str, str, object]] = [
        ("GET", f"/api/v1/tasks/{task_id}", None), ("POST", f"/api/v1/tasks/{task_id}/complete", {"output": {}}),
        ("POST", f"/api/v1/tasks/{task_id}/assign", {"user_id": world.b.worker1.id}),
        ("POST", f"/api/v1/tasks/{task_id}/retry", None), ("POST", f"/api/v1/tasks/{task_id}/start", None),
    ]
    for method, path, body in checks:
        assert (await api.request(method, path, json=body, headers=outsider)).status_code == 404, path
    assert snapshot(owner, world.a.company_id) == before
    assert (await api.get("/api/v1/tasks?scope=company", headers=outsider)).json()["total"] == 0
    wrong = await api.post(f"/api/v1/tasks/{task_id}/complete", json={"output": {"approved": True}},
                           headers=auth_headers(other))
    assert wrong.status_code == 404
    assert (await api.get("/api/v1/tasks?scope=company", headers=auth_headers(other))).status_code == 403
    moved = await api.post(f"/api/v1/tasks/{task_id}/assign", json={"user_id": other.id}, headers=adm)
    assert moved.status_code == 204 and task_row(owner, task_id)["assigned_to"] == other.id
    listed = (await api.get(f"/api/v1/tasks?scope=company&assignee_id={other.id}", headers=adm)).json()
    assert [t["id"] for t in listed["items"]] == [task_id]
    assert (await api.post(f"/api/v1/tasks/{task_id}/retry", headers=adm)).status_code == 409
    done = await api.post(f"/api/v1/tasks/{task_id}/complete", json={"output": {"approved": True}},
                          headers=auth_headers(other))
    order = done.json()["next_task_id"]
    await action_results.fail_action_task(world.a.company_id, order, error="boom")
    assert (await api.post(f"/api/v1/tasks/{order}/retry", headers=adm)).status_code == 204
    assert task_row(owner, order)["t_status"] == "PENDING"


async def test_availability(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                            auth_headers) -> None:  # type: ignore[no-untyped-def]
    w1 = auth_headers(world.a.worker1)
    off = await api.put("/api/v1/me/availability", json={"available": False}, headers=w1)
    assert off.status_code == 204
    assert count(owner, "SELECT count(*) FROM users WHERE id = %s AND NOT available", world.a.worker1.id) == 1
    bad = await api.put("/api/v1/me/availability", json={"available": "maybe"}, headers=w1)
    assert bad.status_code == 422
    denied = await api.put("/api/v1/me/availability", json={"available": False},
                           headers=auth_headers(world.a.requester))
    assert denied.status_code == 403
    assert (await api.put("/api/v1/me/availability", json={"available": True})).status_code == 401


async def test_a_file_field_takes_an_attachment_of_the_ticket(world: World, owner: psycopg.Connection,
                                                             api: httpx.AsyncClient,
                                                             auth_headers) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.bundles import laptop_with_quote
    from tests.fixtures.tenants import worker_actor

    a = world.a
    await install(a, bundle=laptop_with_quote())
    created = await submission.submit_ticket(a.requester.actor, ticket_type="laptop",
                                             data={"model": "air-13", "price": 1})
    assert created.current_task is not None and created.current_task.assignee_id is not None
    task_id, worker = created.current_task.id, worker_actor(a, created.current_task.assignee_id)
    quote = await attachments.add_attachment(a.requester.actor, created.id, filename="quote.pdf",
                                       content_type="application/pdf", data=b"%PDF-1.4\n%%EOF\n")
    wh = auth_headers(next(m for m in (a.worker1, a.worker2) if m.id == worker.user_id))
    detail = (await api.get(f"/api/v1/tasks/{task_id}", headers=wh)).json()
    assert [(f["id"], f["filename"]) for f in detail["ticket_files"]] == [(quote.id, "quote.pdf")]
    unknown = str(quote.id + 1000)
    bad = await api.post(f"/api/v1/tasks/{task_id}/complete", json={"output": {"approved": True, "quote": unknown}},
                         headers=wh)
    assert bad.status_code == 422 and bad.json()["error"]["details"] == [
        {"field": "quote", "message": "choose one of this ticket's attachments"}]
    good = await api.post(f"/api/v1/tasks/{task_id}/complete",
                          json={"output": {"approved": True, "quote": str(quote.id)}}, headers=wh)
    assert good.status_code == 200
    assert task_row(owner, task_id)["output_data"]["quote"] == str(quote.id)


async def test_start_endpoint(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                              auth_headers) -> None:  # type: ignore[no-untyped-def]
    task_id, assignee = await _task(world)
    mine = auth_headers(world.a.worker1 if assignee == world.a.worker1.id else world.a.worker2)
    other = auth_headers(world.a.worker2 if assignee == world.a.worker1.id else world.a.worker1)
    assert (await api.post(f"/api/v1/tasks/{task_id}/start", headers=other)).status_code == 404
    assert (await api.post(f"/api/v1/tasks/{task_id}/start", headers=auth_headers(world.b.admin))).status_code == 404
    started = await api.post(f"/api/v1/tasks/{task_id}/start", headers=mine)
    assert started.status_code == 204 and task_row(owner, task_id)["t_status"] == "IN_PROGRESS"
    detail = (await api.get(f"/api/v1/tasks/{task_id}", headers=mine)).json()
    assert detail["status"] == "IN_PROGRESS" and detail["started_at"] is not None
    again = await api.post(f"/api/v1/tasks/{task_id}/start", headers=mine)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "Cannot start a task that is IN_PROGRESS"
    assert (await api.get("/api/v1/tasks", headers=mine)).json()["items"][0]["status"] == "IN_PROGRESS"
    done = await api.post(f"/api/v1/tasks/{task_id}/complete", json={"output": {"approved": True}}, headers=mine)
    assert done.status_code == 200


async def test_start_is_in_the_openapi_and_status_names_match_the_lifecycle(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/api/v1/openapi.json")).json()["paths"]
    assert "204" in paths["/api/v1/tasks/{task_id}/start"]["post"]["responses"]
    assert set(get_args(TaskStatusName)) == {s.value for s in TaskStatus}
    assert set(get_args(WorkflowStatusName)) == {s.value for s in WorkflowStatus}
