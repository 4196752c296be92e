"""Tickets service: submit validation and access, lists, detail, comments, steering, cross-tenant."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count, snapshot, workflow_of_ticket
from tests.fixtures.tenants import World, with_company_roles
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from tfai.services.tickets import submission, tracking

LAPTOP = {"model": "air-13", "price": 1200}


async def test_submittable_types_follow_company_roles(world: World) -> None:
    await install(world.a)
    await install(world.a, "customer-refund.json")
    keys = [t.key for t in await submission.submittable_types(world.a.requester.actor)]
    assert keys == ["laptop"]
    support = with_company_roles(world.a.requester.actor, "user", "support")
    assert sorted(t.key for t in await submission.submittable_types(support)) == ["laptop", "refund"]
    assert sorted(t.key for t in await submission.submittable_types(world.a.admin.actor)) == ["laptop", "refund"]
    assert await submission.submittable_types(world.b.requester.actor) == []


async def test_schema_violations_list_fields_and_write_nothing(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    before = snapshot(owner, world.a.company_id)
    with pytest.raises(InvalidInput) as err:
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                    data={"model": "c64", "price": -1})
    assert {d["field"] for d in err.value.details} == {"model", "price"}
    with pytest.raises(InvalidInput) as missing:
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data={})
    assert {d["field"] for d in missing.value.details} == {"model"} or "model" in str(missing.value.details)
    with pytest.raises(InvalidInput):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                    data={**LAPTOP, "justification": "x" * 300_000})
    assert snapshot(owner, world.a.company_id) == before


async def test_unknown_and_forbidden_types(world: World, owner: psycopg.Connection) -> None:
    await install(world.a, "customer-refund.json")
    await install(world.b)
    before = snapshot(owner, world.a.company_id)
    with pytest.raises(NotFound):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="nope", data={})
    with pytest.raises(NotFound):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    with pytest.raises(Forbidden):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="refund",
                                    data={"order_id": "ORD-1", "amount": 1, "reason": "late",
                                          "customer_email": "a@example.com"})
    assert snapshot(owner, world.a.company_id) == before


async def test_lists_scope_state_search_and_pages(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ids = [(await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                        data={**LAPTOP, "model": m})).id for m in ("air-13", "pro-14", "pro-16")]
    other = await submission.submit_ticket(world.a.admin.actor, ticket_type="laptop", data=LAPTOP)
    mine = await tracking.list_tickets(world.a.requester.actor, page_size=2)
    assert mine.total == 3 and [t.id for t in mine.items] == ids[::-1][:2]
    assert mine.items[0].current_task is not None and mine.items[0].status == "active"
    page2 = await tracking.list_tickets(world.a.requester.actor, page=2, page_size=2)
    assert [t.id for t in page2.items] == [ids[0]]
    found = await tracking.list_tickets(world.a.requester.actor, search="pro-16")
    assert [t.id for t in found.items] == [ids[2]]
    company = await tracking.list_tickets(world.a.ticket_admin.actor, scope="company", sort="created")
    assert [t.id for t in company.items] == [*ids, other.id]
    with pytest.raises(Forbidden):
        await tracking.list_tickets(world.a.requester.actor, scope="company")
    assert (await tracking.list_tickets(world.a.requester.actor, state="archived")).total == 0
    await tracking.cancel_ticket(world.a.admin.actor, ids[0], reason="dup")
    archived = await tracking.list_tickets(world.a.requester.actor, state="archived")
    assert [t.id for t in archived.items] == [ids[0]] and archived.items[0].workflow_status == "CANCELLED"
    assert (await tracking.list_tickets(world.b.ticket_admin.actor, scope="company")).total == 0


async def test_read_access(world: World) -> None:
    await install(world.a)
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assignee = created.current_task.assignee_id if created.current_task else None
    worker = world.a.worker1 if assignee == world.a.worker1.id else world.a.worker2
    bystander = world.a.worker2 if worker is world.a.worker1 else world.a.worker1
    for member in (world.a.requester, worker, world.a.ticket_admin, world.a.admin):
        detail = await tracking.get_ticket(member.actor, created.id)
        assert detail.fields == LAPTOP and detail.workflow_version == 1
    for member in (bystander, world.a.designer, world.b.admin, world.b.requester):
        with pytest.raises(NotFound):
            await tracking.get_ticket(member.actor, created.id)


async def test_comments(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    c = await tracking.add_comment(world.a.requester.actor, created.id, body="  please hurry ")
    assert c.body == "please hurry"
    await tracking.add_comment(world.a.ticket_admin.actor, created.id, body="on it")
    for body in ("", "   ", "x" * 10_001):
        with pytest.raises(InvalidInput):
            await tracking.add_comment(world.a.requester.actor, created.id, body=body)
    with pytest.raises(NotFound):
        await tracking.add_comment(world.b.admin.actor, created.id, body="hi")
    with pytest.raises(NotFound):
        await tracking.add_comment(world.a.designer.actor, created.id, body="hi")
    detail = await tracking.get_ticket(world.a.requester.actor, created.id)
    assert [x.body for x in detail.comments] == ["please hurry", "on it"]
    assert count(owner, "SELECT count(*) FROM comments WHERE ticket_instance_id = %s", created.id) == 2


async def test_hold_resume_cancel(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    with pytest.raises(Forbidden):
        await tracking.hold_ticket(world.a.requester.actor, created.id, reason="x")
    with pytest.raises(NotFound):
        await tracking.hold_ticket(world.b.admin.actor, created.id, reason="x")
    with pytest.raises(InvalidInput):
        await tracking.hold_ticket(world.a.ticket_admin.actor, created.id, reason=" ")
    await tracking.hold_ticket(world.a.ticket_admin.actor, created.id, reason="waiting for budget")
    wf = workflow_of_ticket(owner, created.id)
    assert (wf["w_status"], wf["hold_reason"]) == ("ON_HOLD", "waiting for budget")
    with pytest.raises(Conflict):
        await tracking.hold_ticket(world.a.ticket_admin.actor, created.id, reason="again")
    await tracking.resume_ticket(world.a.ticket_admin.actor, created.id)
    assert workflow_of_ticket(owner, created.id)["w_status"] == "IN_PROGRESS"
    with pytest.raises(NotFound):
        await tracking.cancel_ticket(world.b.admin.actor, created.id)
    with pytest.raises(Forbidden):
        await tracking.cancel_ticket(world.a.worker1.actor, created.id)
    await tracking.cancel_ticket(world.a.admin.actor, created.id, reason="not needed")
    assert workflow_of_ticket(owner, created.id)["w_status"] == "CANCELLED"
    assert count(owner, "SELECT count(*) FROM task_instances WHERE workflow_instance_id = %s AND t_status = "
                 "'CANCELLED'", wf["id"]) == 1
    with pytest.raises(Conflict):
        await tracking.cancel_ticket(world.a.admin.actor, created.id)
    actions = [r[0] for r in owner.execute("SELECT action FROM audit_log WHERE entity = 'ticket' AND entity_id = %s "
                                           "ORDER BY id", (str(created.id),)).fetchall()]
    assert actions == ["submitted", "hold", "resume", "cancel"]
