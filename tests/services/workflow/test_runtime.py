"""Every example bundle end to end through the services, holds, action failures, retries and versioning."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import count, task_row, workflow_of_ticket
from tests.fixtures.tenants import Tenant, World, with_company_roles, worker_actor
from tfai.domain.errors import Conflict, NotFound
from tfai.domain.policy import Actor
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking
from tfai.services.workflow import action_results


class Run:
    """Drives one ticket: forms are completed by their assignee, actions through the runner's entry point."""

    def __init__(self, owner: psycopg.Connection, tenant: Tenant, ticket_id: int, task_id: int | None) -> None:
        self.owner, self.tenant, self.ticket_id, self.task_id = owner, tenant, ticket_id, task_id

    @property
    def task(self) -> dict[str, Any]:
        assert self.task_id is not None
        return task_row(self.owner, self.task_id)

    async def step(self, key: str, output: dict[str, Any]) -> str:
        row = self.task
        assert row["key"] == key, (row["key"], key)
        if row["assigned_to"] is not None:
            done = await work.complete_form_task(worker_actor(self.tenant, row["assigned_to"]), row["id"],
                                                  output=output)
            self.task_id = done.next_task_id
            return done.workflow_status
        assert row["t_status"] == "PENDING"
        kind = "sync" if key in _SYNC else "async"
        outbox = self.owner.execute("SELECT kind FROM outbox WHERE task_instance_id = %s", (row["id"],)).fetchall()
        assert outbox and {r[0] for r in outbox} == {kind}
        await action_results.complete_action_task(self.tenant.company_id, row["id"], output=output)
        wf = workflow_of_ticket(self.owner, self.ticket_id)
        nxt = self.owner.execute("SELECT max(id) FROM task_instances WHERE workflow_instance_id = %s AND id > %s",
                                 (wf["id"], row["id"])).fetchone()
        self.task_id = nxt[0] if nxt else None
        return str(wf["w_status"])

    def workflow(self) -> dict[str, Any]:
        return workflow_of_ticket(self.owner, self.ticket_id)


_SYNC = {"order", "check_policy", "payout", "notify_customer", "denial_notice", "create_hr_record", "dispatch_vendor"}


async def start(owner: psycopg.Connection, tenant: Tenant, actor: Actor, ticket_type: str,
                data: dict[str, Any]) -> Run:
    created = await submission.submit_ticket(actor, ticket_type=ticket_type, data=data)
    assert created.status == "active" and created.workflow_status == "IN_PROGRESS"
    return Run(owner, tenant, created.id, created.current_task.id if created.current_task else None)


LAPTOP = {"model": "air-13", "price": 1200}


async def test_laptop_approved_orders_and_delivers(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    assert run.task["input_data"] == {"model": "air-13", "price": 1200}
    assert run.task["assigned_to"] in {a.worker1.id, a.worker2.id}
    assert await run.step("approve", {"approved": True, "comment": "ok"}) == "IN_PROGRESS"
    assert run.task["input_data"] == {"sku": "air-13", "quantity": 1}
    assert await run.step("order", {"order_id": "O-1"}) == "IN_PROGRESS"
    assert run.task["input_data"] == {"order_id": "O-1"}
    assert await run.step("delivery", {"delivered_at": "2026-01-02"}) == "COMPLETED"
    wf = run.workflow()
    assert wf["workflow_data"]["tasks"] == {"approve": {"approved": True, "comment": "ok"},
                                           "order": {"order_id": "O-1"}, "delivery": {"delivered_at": "2026-01-02"}}
    assert wf["completed_at"] is not None
    audit = owner.execute("SELECT action, after FROM audit_log WHERE company_id = %s AND entity = 'task' "
                          "ORDER BY id", (a.company_id,)).fetchall()
    assert [r[0] for r in audit] == ["completed", "completed", "completed"]
    assert audit[0][1]["decision"]["evaluated"][0]["value"] is True


async def test_laptop_rejected(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    await run.step("approve", {"approved": False})
    assert run.task["input_data"] is None
    assert await run.step("rejected", {"note": "budget"}) == "COMPLETED"
    detail = await tracking.get_ticket(a.requester.actor, run.ticket_id)
    assert detail.status == "archived" and [t.key for t in detail.timeline] == ["approve", "rejected"]
    assert detail.timeline[0].assignee_email is not None and detail.current_task is None


@pytest.mark.parametrize(("amount", "path"), [
    (50, ["check_policy", "payout"]),
    (500, ["check_policy", "manager_approval", "payout"]),
    (6000, ["check_policy", "manager_approval", "finance_approval", "payout"]),
])
async def test_expense_paths(world: World, owner: psycopg.Connection, amount: int, path: list[str]) -> None:
    a = world.a
    await install(a, "expense-reimbursement.json")
    run = await start(owner, a, a.requester.actor, "expense",
                      {"amount": amount, "currency": "EUR", "category": "meals", "description": "lunch"})
    outputs: dict[str, dict[str, Any]] = {
        "check_policy": {"compliant": True, "rule": ""}, "manager_approval": {"approved": True},
        "finance_approval": {"approved": True, "cost_center": "4711"}, "payout": {"payout_id": "P-1"}}
    statuses = [await run.step(key, outputs[key]) for key in path]
    assert statuses[-1] == "COMPLETED" and set(statuses[:-1]) <= {"IN_PROGRESS"}


@pytest.mark.parametrize(("first", "second"), [
    (("check_policy", {"compliant": False, "rule": "R1"}), None),
    (("check_policy", {"compliant": True}), ("manager_approval", {"approved": False})),
])
async def test_expense_rejections(world: World, owner: psycopg.Connection, first: Any, second: Any) -> None:
    a = world.a
    await install(a, "expense-reimbursement.json")
    run = await start(owner, a, a.requester.actor, "expense",
                      {"amount": 500, "currency": "USD", "category": "travel", "description": "train"})
    await run.step(*first)
    if second:
        await run.step(*second)
    assert await run.step("rejected_notice", {"acknowledged": True}) == "COMPLETED"


REFUND = {"order_id": "ORD-7", "amount": 30, "reason": "late", "customer_email": "c@example.com"}


@pytest.mark.parametrize("steps", [
    [("review", {"decision": "refund"}), ("issue_refund", {"refund_id": "R1", "succeeded": True}),
     ("notify_customer", {"message_id": "m1"})],
    [("review", {"decision": "deny", "note": "no"}), ("denial_notice", {})],
    [("review", {"decision": "partial", "refund_amount": 10}),
     ("issue_refund", {"refund_id": "R1", "succeeded": False}),
     ("refund_failed", {"retry": True}), ("issue_refund", {"refund_id": "R2", "succeeded": True}),
     ("notify_customer", {"message_id": "m2"})],
    [("review", {"decision": "refund"}), ("issue_refund", {"refund_id": "R1", "succeeded": False}),
     ("refund_failed", {"retry": False, "resolution": "manual"})],
])
async def test_refund_paths(world: World, owner: psycopg.Connection, steps: list[Any]) -> None:
    a = world.a
    await install(a, "customer-refund.json")
    run = await start(owner, a, with_company_roles(a.requester.actor, "support"), "refund", REFUND)
    statuses = [await run.step(key, out) for key, out in steps]
    assert statuses[-1] == "COMPLETED" and set(statuses[:-1]) == {"IN_PROGRESS"}


async def test_refund_partial_amount_flows_into_the_action_input(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, "customer-refund.json")
    run = await start(owner, a, with_company_roles(a.requester.actor, "support"), "refund", REFUND)
    await run.step("review", {"decision": "partial", "refund_amount": 12.5})
    assert run.task["input_data"] == {"order_id": "ORD-7", "amount": 12.5}


async def test_onboarding_loops_until_the_contract_is_signed(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, "employee-onboarding.json")
    run = await start(owner, a, with_company_roles(a.requester.actor, "hr"), "new-hire",
                      {"full_name": "Ann Lee", "email": "ann@example.com", "start_date": "2026-02-01",
                       "department": "sales"})
    await run.step("hr_details", {"contract_signed": False, "manager_email": "m@example.com"})
    await run.step("contract_missing", {"note": "chased"})
    await run.step("hr_details", {"contract_signed": True, "manager_email": "m@example.com", "salary_band": "B2"})
    assert run.task["input_data"]["salary_band"] == "B2"
    await run.step("create_hr_record", {"employee_id": "E-1"})
    assert run.task["input_data"] == {"employee_id": "E-1", "email": "ann@example.com", "needs_laptop": True}
    await run.step("it_setup", {"account_created": True})
    assert await run.step("welcome", {"buddy": "Bo"}) == "COMPLETED"


@pytest.mark.parametrize("in_house", [True, False])
async def test_facility_repair(world: World, owner: psycopg.Connection, in_house: bool) -> None:
    a = world.a
    await install(a, "facility-repair.yaml")
    run = await start(owner, a, a.requester.actor, "repair",
                      {"location": "A 2.14", "category": "hvac", "urgency": "urgent", "description": "cold"})
    await run.step("triage", {"severity": "major", "in_house": in_house})
    if in_house:
        await run.step("in_house_fix", {"fixed": False})
    await run.step("dispatch_vendor", {"work_order_id": "W-1", "eta": "tomorrow"})
    await run.step("vendor_done", {"completed": True, "invoice_total": 120})
    await run.step("confirm", {"resolved": False})
    await run.step("triage", {"severity": "minor", "in_house": True})
    await run.step("in_house_fix", {"fixed": True, "hours": 1})
    assert await run.step("confirm", {"resolved": True, "rating": 5}) == "COMPLETED"


async def test_no_true_condition_holds_with_reason_for_admins(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    doc = example("laptop-request.json")
    doc["workflow"]["transitions"][1]["condition"] = "ticket.price > 100000.0"
    await install(a, bundle=doc)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    assert await run.step("approve", {"approved": False}) == "ON_HOLD"
    assert "no condition" in run.workflow()["hold_reason"]
    assert "no condition" in ((await tracking.get_ticket(a.ticket_admin.actor, run.ticket_id)).hold_reason or "")
    assert (await tracking.get_ticket(a.requester.actor, run.ticket_id)).hold_reason is None
    with pytest.raises(Conflict):
        await tracking.resume_ticket(a.ticket_admin.actor, run.ticket_id)


async def test_action_failure_holds_and_retry_requeues(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    await run.step("approve", {"approved": True})
    order = run.task["id"]
    await action_results.fail_action_task(a.company_id, order, error="vendor answered 500")
    assert run.task["t_status"] == "ERROR" and "500" in run.workflow()["hold_reason"]
    with pytest.raises(Conflict):
        await action_results.complete_action_task(a.company_id, order, output={"order_id": "late"})
    with pytest.raises(Conflict):
        await tracking.resume_ticket(a.admin.actor, run.ticket_id)
    await work.retry_task(a.ticket_admin.actor, order)
    assert run.task["t_status"] == "PENDING" and run.workflow()["w_status"] == "IN_PROGRESS"
    assert count(owner, "SELECT count(*) FROM outbox WHERE task_instance_id = %s", order) == 2
    assert await run.step("order", {"order_id": "O-9"}) == "IN_PROGRESS"
    assert run.task["key"] == "delivery"


async def test_action_output_violating_its_schema_fails_the_task(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    await run.step("approve", {"approved": True})
    await action_results.complete_action_task(a.company_id, run.task["id"], output={"wrong": 1})
    assert run.task["t_status"] == "ERROR" and "order_id" in run.task["error"]
    assert run.workflow()["w_status"] == "ON_HOLD"


async def test_runner_entry_points_are_tenant_scoped(world: World, owner: psycopg.Connection) -> None:
    a, b = world.a, world.b
    await install(a)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    await run.step("approve", {"approved": True})
    with pytest.raises(NotFound):
        await action_results.complete_action_task(b.company_id, run.task["id"], output={"order_id": "x"})
    with pytest.raises(NotFound):
        await action_results.fail_action_task(b.company_id, run.task["id"], error="x")
    assert run.task["t_status"] == "PENDING"


async def test_instance_finishes_on_its_version(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    run = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    v2 = example("laptop-request.json")
    v2["workflow"]["transitions"][0]["condition"] = "!output.approved"
    await install(a, bundle=v2)
    assert count(owner, "SELECT count(*) FROM workflow_definitions WHERE company_id = %s", a.company_id) == 2
    await run.step("approve", {"approved": True})
    assert run.task["key"] == "order"
    newer = await start(owner, a, a.requester.actor, "laptop", LAPTOP)
    await newer.step("approve", {"approved": True})
    assert newer.task["key"] == "rejected"
