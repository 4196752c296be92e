"""SYNC_ACTION through real workers: every example bundle, retries, permanent failure and an admin's retry."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.actions import install_aimed, settled, wait_for
from tests.fixtures.db_rows import attempts, current_task, task_row, workflow_of_ticket
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.tenants import Tenant, World
from tests.fixtures.workers import WorkerPool
from tfai.domain.policy import Actor
from tfai.domain.webhooks import verify, webhook_id
from tfai.services.tasks import work
from tfai.services.tickets import submission
from tfai.settings import get_settings

LAPTOP = {"model": "air-13", "price": 1200}


async def submit(tenant: Tenant, actor: Actor, ticket_type: str, data: dict[str, Any]) -> int:
    created = await submission.submit_ticket(actor, ticket_type=ticket_type, data=data)
    return created.id


async def complete_form(owner: psycopg.Connection, tenant: Tenant, ticket_id: int, key: str,
                        output: dict[str, Any]) -> None:
    row = await wait_for(lambda: (t := current_task(owner, ticket_id)) and t["key"] == key and t,
                         what=f"form {key}")
    assert row["assigned_to"] is not None
    await work.complete_form_task(tenant.admin.actor, row["id"], output=output)


def secret_of(owner: psycopg.Connection, company_id: int) -> str:
    return str(owner.execute("SELECT webhook_secret FROM companies WHERE id = %s", (company_id,)).fetchone()[0])  # type: ignore[index]


CASES = [
    ("laptop-request.json", "laptop", LAPTOP, None, [("approve", {"approved": True})],
     "order", {"id": "O-1"}, {"order_id": "O-1"}, {"sku": "air-13", "quantity": 1}),
    ("expense-reimbursement.json", "expense",
     {"amount": 50, "currency": "EUR", "category": "meals", "description": "lunch"}, None, [],
     "check_policy", {"compliant": True}, {"compliant": True, "rule": ""},
     {"amount": 50, "currency": "EUR", "category": "meals"}),
    ("customer-refund.json", "refund",
     {"order_id": "ORD-7", "amount": 30, "reason": "late", "customer_email": "c@example.com"}, "support",
     [("review", {"decision": "deny", "note": "no"})], "denial_notice", {"sent": True}, {"sent": True},
     {"to": "c@example.com", "template": "refund-denied", "note": "no"}),
    ("employee-onboarding.json", "new-hire",
     {"full_name": "Ann Lee", "email": "ann@example.com", "start_date": "2026-02-01", "department": "sales"}, "hr",
     [("hr_details", {"contract_signed": True, "manager_email": "m@example.com", "salary_band": "B2"})],
     "create_hr_record", {"employee_id": "E-1"}, {"employee_id": "E-1"}, None),
    ("facility-repair.yaml", "repair",
     {"location": "A 2.14", "category": "hvac", "urgency": "urgent", "description": "cold"}, None,
     [("triage", {"severity": "major", "in_house": False})], "dispatch_vendor", {"id": "W-1", "eta": "tomorrow"},
     {"work_order_id": "W-1", "eta": "tomorrow"}, {"location": "A 2.14", "category": "hvac", "urgent": True}),
]


@pytest.mark.parametrize(("bundle", "ticket_type", "data", "company_role", "forms", "action", "reply", "output",
                          "sent"), CASES, ids=[c[0] for c in CASES])
async def test_sync_happy_path_through_every_example(
    world: World, owner: psycopg.Connection, external: ExternalServer, workers: WorkerPool, bundle: str,
    ticket_type: str, data: dict[str, Any], company_role: str | None, forms: list[tuple[str, dict[str, Any]]],
    action: str, reply: dict[str, Any], output: dict[str, Any], sent: dict[str, Any] | None,
) -> None:
    from dataclasses import replace

    a = world.a
    paths = await install_aimed(a, bundle, external)
    external.respond(paths[action], Reply(body=reply))
    actor = replace(a.requester.actor, company_roles=frozenset(r for r in ("user", company_role) if r))
    ticket_id = await submit(a, actor, ticket_type, data)
    for key, form_output in forms:
        await complete_form(owner, a, ticket_id, key, form_output)
    action_task = await wait_for(lambda: (t := current_task(owner, ticket_id)) and t["key"] == action and t,
                                 what=f"action {action}")
    done = await settled(owner, action_task["id"])
    assert done["t_status"] == "COMPLETED", done["error"]
    assert done["output_data"] == output and done["attempts"] == 1
    seen = external.requests(paths[action])
    assert len(seen) == 1
    if sent is not None:
        assert seen[0].json == sent
    verify(secret_of(owner, a.company_id), seen[0].headers, seen[0].body)
    assert seen[0].headers["webhook-id"] == webhook_id(a.company_id, action_task["id"], key=get_settings().secret_key)
    wf = workflow_of_ticket(owner, ticket_id)
    assert wf["workflow_data"]["tasks"][action] == output
    nxt = current_task(owner, ticket_id)
    assert nxt is not None and (nxt["id"] != action_task["id"] or wf["w_status"] == "COMPLETED")
    [attempt] = attempts(owner, action_task["id"])
    assert attempt["status_code"] == 200 and attempt["error"] is None and attempt["finished_at"] is not None


async def expense(world: World, owner: psycopg.Connection, external: ExternalServer,
                  *replies: Reply) -> tuple[int, int, str]:
    """An expense ticket whose first task is the SYNC check_policy; (ticket, task, path)."""
    a = world.a
    paths = await install_aimed(a, "expense-reimbursement.json", external)
    external.respond(paths["check_policy"], *replies)
    external.respond(paths["payout"], Reply(body={"payout_id": "P-1"}))
    ticket_id = await submit(a, a.requester.actor, "expense",
                             {"amount": 50, "currency": "EUR", "category": "meals", "description": "x"})
    first = current_task(owner, ticket_id)
    assert first is not None and first["key"] == "check_policy"
    return ticket_id, first["id"], paths["check_policy"]


async def test_retries_with_the_same_webhook_id_then_succeeds(world: World, owner: psycopg.Connection,
                                                              external: ExternalServer, workers: WorkerPool) -> None:
    ticket_id, task_id, path = await expense(world, owner, external, Reply(status=500, body={"e": 1}),
                                             Reply(raw=b"not json"), Reply(body={"compliant": True, "rule": "R"}))
    done = await settled(owner, task_id)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 3
    assert done["output_data"] == {"compliant": True, "rule": "R"}
    seen = external.requests(path)
    assert len(seen) == 3 and len({s.headers["webhook-id"] for s in seen}) == 1
    secret = secret_of(owner, world.a.company_id)
    for s in seen:
        verify(secret, s.headers, s.body)
    rows = attempts(owner, task_id)
    assert [r["attempt"] for r in rows] == [1, 2, 3]
    assert [r["status_code"] for r in rows] == [500, 200, 200]
    assert "HTTP 500" in rows[0]["error"] and "not valid JSON" in rows[1]["error"] and rows[2]["error"] is None
    await wait_for(lambda: workflow_of_ticket(owner, ticket_id)["w_status"] == "COMPLETED",
                   what="the workflow to complete")


async def test_permanent_failure_holds_then_admin_retry_succeeds(world: World, owner: psycopg.Connection,
                                                                 external: ExternalServer,
                                                                 workers: WorkerPool) -> None:
    a = world.a
    ticket_id, task_id, path = await expense(world, owner, external, Reply(status=502, body={"down": True}))
    failed = await settled(owner, task_id)
    assert failed["t_status"] == "ERROR" and failed["attempts"] == 3
    assert "HTTP 502" in failed["error"] and "after 3 attempts" in failed["error"]
    wf = workflow_of_ticket(owner, ticket_id)
    assert wf["w_status"] == "ON_HOLD" and "HTTP 502" in wf["hold_reason"]
    shown = (await work.get_task(a.ticket_admin.actor, task_id)).action_attempts
    assert [x.status_code for x in shown] == [502, 502, 502] and all(x.error for x in shown)
    detail = await work.get_task(a.admin.actor, task_id)
    assert detail.error == failed["error"] and len(detail.action_attempts) == 3

    external.respond(path, Reply(body={"compliant": True}))
    await work.retry_task(a.ticket_admin.actor, task_id)
    done = await settled(owner, task_id)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 1 and done["error"] is None
    await wait_for(lambda: workflow_of_ticket(owner, ticket_id)["w_status"] == "COMPLETED",
                   what="the workflow to complete")
    assert len(external.requests(path)) == 4
    assert len({s.headers["webhook-id"] for s in external.requests(path)}) == 1


async def test_transform_failure_is_permanent_and_visible(world: World, owner: psycopg.Connection,
                                                          external: ExternalServer, workers: WorkerPool) -> None:
    ticket_id, task_id, path = await expense(world, owner, external, Reply(body={"unexpected": 1}))
    failed = await settled(owner, task_id)
    assert failed["t_status"] == "ERROR" and failed["attempts"] == 1
    assert "output_transform failed" in failed["error"]
    assert workflow_of_ticket(owner, ticket_id)["w_status"] == "ON_HOLD"
    assert len(external.requests(path)) == 1
    assert task_row(owner, task_id)["output_data"] is None
