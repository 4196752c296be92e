"""ASYNC_ACTION: the callback advances the workflow once; replays 409, unknown 404, overdue → ERROR."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

from tests.fixtures.actions import install_aimed, settled, wait_for
from tests.fixtures.db_rows import attempts, current_task, task_row, workflow_of_ticket
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.tenants import World
from tests.fixtures.workers import WorkerPool
from tfai.domain.tokens import hash_token
from tfai.services.tasks import work
from tfai.services.tickets import submission


async def laptop_waiting_for_delivery(world: World, owner: psycopg.Connection, external: ExternalServer,
                                      **overrides: dict[str, Any]) -> tuple[int, int, str]:
    """A laptop ticket approved and ordered, its ASYNC delivery task posted; (ticket, task, token)."""
    a = world.a
    paths = await install_aimed(a, "laptop-request.json", external, **overrides)
    external.respond(paths["order"], Reply(body={"id": "O-1"}))
    external.respond(paths["delivery"], Reply(status=202, body={"queued": True}))
    created = await submission.submit_ticket(a.requester.actor, ticket_type="laptop",
                                          data={"model": "air-13", "price": 900})
    first = current_task(owner, created.id)
    assert first is not None and first["key"] == "approve"
    await work.complete_form_task(a.admin.actor, first["id"], output={"approved": True})
    delivery = await wait_for(lambda: (t := current_task(owner, created.id)) and t["key"] == "delivery" and t,
                              what="the delivery task")
    seen = await wait_for(lambda: external.requests(paths["delivery"]), what="the delivery request")
    assert seen[0].json["order_id"] == "O-1"
    url = seen[0].json["callback_url"]
    assert url.startswith("http://localhost:3000/api/v1/callbacks/")
    token = urlsplit(url).path.rsplit("/", 1)[1]
    await wait_for(lambda: attempts(owner, delivery["id"]) and attempts(owner, delivery["id"])[0]["finished_at"],
                   what="the delivery attempt to be recorded")
    return created.id, delivery["id"], token


async def test_callback_completes_the_task_and_replay_is_409(world: World, owner: psycopg.Connection,
                                                             external: ExternalServer, workers: WorkerPool,
                                                             api: httpx.AsyncClient) -> None:
    ticket_id, task_id, token = await laptop_waiting_for_delivery(world, owner, external)
    waiting = task_row(owner, task_id)
    assert waiting["t_status"] == "IN_PROGRESS" and waiting["attempts"] == 1
    [attempt] = attempts(owner, task_id)
    assert attempt["status_code"] == 202 and attempt["error"] is None
    stored = owner.execute("SELECT token_hash, expires_at - created_at FROM callback_tokens "
                           "WHERE task_instance_id = %s", (task_id,)).fetchall()
    assert [r[0] for r in stored] == [hash_token(token)] and len(token) >= 43
    assert stored[0][1].total_seconds() > 604000

    resp = await api.post(f"/api/v1/callbacks/{token}", json={"delivered_at": "2026-01-02"})
    assert resp.status_code == 200 and resp.json() == {"status": "accepted"}
    done = task_row(owner, task_id)
    assert done["t_status"] == "COMPLETED" and done["output_data"] == {"delivered_at": "2026-01-02"}
    wf = workflow_of_ticket(owner, ticket_id)
    assert wf["w_status"] == "COMPLETED" and wf["workflow_data"]["tasks"]["delivery"] == {"delivered_at": "2026-01-02"}

    again = await api.post(f"/api/v1/callbacks/{token}", json={"delivered_at": "2026-01-03"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert task_row(owner, task_id)["output_data"] == {"delivered_at": "2026-01-02"}
    completed = owner.execute("SELECT count(*) FROM audit_log WHERE entity = 'task' AND entity_id = %s "
                              "AND action = 'completed'", (str(task_id),)).fetchone()
    assert completed == (1,)


async def test_unknown_or_malformed_callbacks(api: httpx.AsyncClient, stack: object) -> None:
    resp = await api.post("/api/v1/callbacks/not-a-real-token", json={"x": 1})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = await api.post("/api/v1/callbacks/" + "x" * 200, json={"x": 1})
    assert resp.status_code in (404, 422)
    resp = await api.post("/api/v1/callbacks/abc", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code in (404, 422)
    resp = await api.post("/api/v1/callbacks/abc", content=b"[" * (1024 * 1024 + 5),
                          headers={"content-type": "application/json"})
    assert resp.status_code == 413


async def test_overdue_callback_fails_the_task_and_the_token_expires(world: World, owner: psycopg.Connection,
                                                                     external: ExternalServer, workers: WorkerPool,
                                                                     api: httpx.AsyncClient) -> None:
    ticket_id, task_id, token = await laptop_waiting_for_delivery(world, owner, external,
                                                                  delivery={"timeout_seconds": 1})
    failed = await settled(owner, task_id)
    assert failed["t_status"] == "ERROR" and failed["error"] == "callback not received in time"
    wf = workflow_of_ticket(owner, ticket_id)
    assert wf["w_status"] == "ON_HOLD" and "callback not received in time" in wf["hold_reason"]
    late = await api.post(f"/api/v1/callbacks/{token}", json={"delivered_at": "late"})
    assert late.status_code == 404
    assert task_row(owner, task_id)["t_status"] == "ERROR"


async def test_callback_that_does_not_fit_the_schema_fails_the_task(world: World, owner: psycopg.Connection,
                                                                    external: ExternalServer, workers: WorkerPool,
                                                                    api: httpx.AsyncClient) -> None:
    a = world.a
    paths = await install_aimed(a, "customer-refund.json", external)
    external.respond(paths["issue_refund"], Reply(body={}))
    actor = replace(a.requester.actor, company_roles=frozenset({"user", "support"}))
    created = await submission.submit_ticket(actor, ticket_type="refund", data={
        "order_id": "ORD-7", "amount": 30, "reason": "late", "customer_email": "c@example.com"})
    review = current_task(owner, created.id)
    assert review is not None
    await work.complete_form_task(a.admin.actor, review["id"], output={"decision": "refund"})
    seen = await wait_for(lambda: external.requests(paths["issue_refund"]), what="the refund request")
    assert seen[0].json["amount"] == 30
    token = seen[0].json["callback_url"].rsplit("/", 1)[1]
    refund = current_task(owner, created.id)
    assert refund is not None
    await wait_for(lambda: attempts(owner, refund["id"]), what="the attempt row")
    resp = await api.post(f"/api/v1/callbacks/{token}", json={"refund_id": 5, "status": "succeeded"})
    assert resp.status_code == 422 and "output schema" in resp.json()["error"]["message"]
    failed = task_row(owner, refund["id"])
    assert failed["t_status"] == "ERROR" and "refund_id" in failed["error"]
    assert workflow_of_ticket(owner, created.id)["w_status"] == "ON_HOLD"
    again = await api.post(f"/api/v1/callbacks/{token}", json={"refund_id": "R1", "status": "succeeded"})
    assert again.status_code == 409
