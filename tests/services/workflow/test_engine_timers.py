"""The engine's timers: TIMER tasks fire and the workflow goes on, timeouts interrupt a task and continue at `to`,
reminders stop after `times`, due dates, and a task's timers are cancelled when it (or its ticket) finishes."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from tests.fixtures.bundles import install
from tests.fixtures.flows import active, bundle, complete, form, join, tasks_of
from tests.fixtures.tenants import World
from tfai.db.session import tenant_tx
from tfai.domain.errors import NotFound
from tfai.services.tickets import moving, submission, tracking
from tfai.services.workflow import timers


async def submit(actor: Any, ticket_type: str) -> int:
    return (await submission.submit_ticket(actor, ticket_type=ticket_type, data={"n": 1})).id


async def drain() -> int:
    total = 0
    while (n := await timers.fire_due(500)) > 0:
        total += n
    return total


def due_now(owner: psycopg.Connection, ticket_id: int, kind: str | None = None) -> int:
    """Move the ticket's unfired timers (of `kind`) to the past; how many."""
    cur = owner.execute(
        "UPDATE timers SET due_at = now() - interval '1 second' WHERE fired_at IS NULL AND workflow_instance_id = "
        "(SELECT workflow_instance_id FROM ticket_instances WHERE id = %s) AND (%s::text IS NULL OR kind = %s)",
        (ticket_id, kind, kind))
    return cur.rowcount


def timers_of(owner: psycopg.Connection, ticket_id: int) -> list[dict[str, Any]]:
    cur = owner.execute(
        "SELECT kind, task_instance_id, fired_at IS NOT NULL AS fired, outcome, payload, due_at FROM timers WHERE "
        "workflow_instance_id = (SELECT workflow_instance_id FROM ticket_instances WHERE id = %s) ORDER BY id",
        (ticket_id,))
    cols = [c.name for c in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def ticket_status(owner: psycopg.Connection, ticket_id: int) -> str:
    found = owner.execute("SELECT w.w_status::text FROM workflow_instances w JOIN ticket_instances t ON "
                          "t.workflow_instance_id = w.id WHERE t.id = %s", (ticket_id,)).fetchone()
    assert found is not None
    return str(found[0])


def timer(key: str, **spec: Any) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "type": "TIMER", **spec}


async def test_a_timer_task_completes_when_its_timer_fires_and_the_workflow_goes_on(
        world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=bundle("tw", [form("intake"), timer("pause", wait="P3D"), form("after")],
                                   [("intake", "pause"), ("pause", "after"), ("after", None)]))
    ticket = await submit(a.requester.actor, "tw")
    await complete(a, active(owner, ticket, "intake")[0])
    [pause] = active(owner, ticket, "pause")
    assert pause["status"] == "PENDING"
    [pending] = timers_of(owner, ticket)
    assert pending["kind"] == "task_timer" and pending["task_instance_id"] == pause["id"] and not pending["fired"]
    assert await drain() == 0  # three days away: nothing fires
    assert due_now(owner, ticket) == 1
    assert await drain() == 1
    done = next(t for t in tasks_of(owner, ticket) if t["key"] == "pause")
    assert done["status"] == "COMPLETED" and set(done["output_data"]) == {"fired_at"}
    assert [t["key"] for t in active(owner, ticket)] == ["after"]
    assert timers_of(owner, ticket)[0]["outcome"] == "fired"
    assert await complete(a, active(owner, ticket, "after")[0]) == "COMPLETED"


async def test_an_until_timer_in_the_past_fires_at_once_and_a_failing_one_holds(world: World,
                                                                                owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=bundle("tu", [form("intake"), timer("pause", until='timestamp("2020-01-01T00:00:00Z")'),
                                          form("after")],
                                   [("intake", "pause"), ("pause", "after"), ("after", None)]))
    ticket = await submit(a.requester.actor, "tu")
    await complete(a, active(owner, ticket, "intake")[0])
    assert await drain() == 1
    assert [t["key"] for t in active(owner, ticket)] == ["after"]
    await install(a, bundle=bundle("tf", [form("intake"), timer("pause", until="string(ticket.n)"), form("after")],
                                   [("intake", "pause"), ("pause", "after"), ("after", None)]))
    bad = await submit(a.requester.actor, "tf")
    await complete(a, active(owner, bad, "intake")[0])
    [pause] = active(owner, bad, "pause")
    assert pause["status"] == "ERROR" and ticket_status(owner, bad) == "ON_HOLD"
    found = owner.execute("SELECT t.error FROM task_instances t WHERE t.id = %s", (pause["id"],)).fetchone()
    assert found is not None and "Computing when the timer fires failed" in found[0]
    assert timers_of(owner, bad) == []


async def test_a_wait_timer_in_a_parallel_branch_joins(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=bundle("tj", [form("intake", next="all"), form("review"), timer("cool", wait="PT1H"),
                                          join("meet"), form("done")],
                                   [("intake", "review"), ("intake", "cool"), ("review", "meet"), ("cool", "meet"),
                                    ("meet", "done"), ("done", None)]))
    ticket = await submit(a.requester.actor, "tj")
    await complete(a, active(owner, ticket, "intake")[0])
    await complete(a, active(owner, ticket, "review")[0])
    assert [t["key"] for t in active(owner, ticket)] == ["cool", "meet"]
    due_now(owner, ticket)
    assert await drain() == 1
    meet = next(t for t in tasks_of(owner, ticket) if t["key"] == "meet")
    assert meet["status"] == "COMPLETED" and meet["output_data"] == {"arrived": ["review", "cool"]}
    assert await complete(a, active(owner, ticket, "done")[0]) == "COMPLETED"


def escalating() -> dict[str, Any]:
    return bundle("te", [form("approve", timeout={"after": "PT48H", "to": "escalate"},
                              remind={"every": "P1D", "times": 2}, due="P1D"),
                         form("escalate"), form("done")],
                  [("approve", "done"), ("escalate", None), ("done", None)])


async def test_a_timeout_interrupts_the_form_and_the_workflow_continues_at_to(world: World,
                                                                             owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=escalating())
    ticket = await submit(a.requester.actor, "te")
    [approve] = active(owner, ticket, "approve")
    load = owner.execute("SELECT open_tasks FROM users WHERE id = %s", (approve["assigned_to"],)).fetchone()
    assert sorted(t["kind"] for t in timers_of(owner, ticket)) == ["due", "remind", "timeout"]
    assert due_now(owner, ticket, "timeout") == 1
    assert await drain() == 1
    statuses = {t["key"]: t["status"] for t in tasks_of(owner, ticket)}
    assert statuses["approve"] == "CANCELLED" and statuses["escalate"] == "OPEN" and "done" not in statuses
    after = owner.execute("SELECT open_tasks FROM users WHERE id = %s", (approve["assigned_to"],)).fetchone()
    [escalate] = active(owner, ticket, "escalate")
    assert load is not None and after is not None
    assert after[0] == load[0] - (0 if escalate["assigned_to"] == approve["assigned_to"] else 1)
    # the interrupted task's other timers are gone; the audit says why
    assert [t["kind"] for t in timers_of(owner, ticket)] == ["timeout"]
    reason = owner.execute("SELECT after->>'reason', after->>'to' FROM audit_log WHERE entity = 'task' AND "
                           "entity_id = %s AND action = 'interrupted'", (str(approve["id"]),)).fetchone()
    assert reason == ("No answer within PT48H", "escalate")
    assert await complete(a, escalate) == "COMPLETED"


async def test_a_completed_tasks_timers_never_fire(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=escalating())
    ticket = await submit(a.requester.actor, "te")
    await complete(a, active(owner, ticket, "approve")[0])
    assert timers_of(owner, ticket) == []  # the completion dropped them
    assert await drain() == 0
    assert [t["key"] for t in active(owner, ticket)] == ["done"]


async def test_reminders_come_times_times_then_stop(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=escalating())
    ticket = await submit(a.requester.actor, "te")
    [approve] = active(owner, ticket, "approve")
    for _ in range(3):
        due_now(owner, ticket, "remind")
        await drain()
    events = owner.execute("SELECT after->>'reminder', after->>'assignee_id' FROM audit_log WHERE entity = 'task' "
                           "AND entity_id = %s AND action = 'reminder' ORDER BY id", (str(approve["id"]),)).fetchall()
    assert events == [("1", str(approve["assigned_to"])), ("2", str(approve["assigned_to"]))]
    assert [t["key"] for t in active(owner, ticket)] == ["approve"]  # reminders never interrupt


async def test_due_sets_due_at_and_an_overdue_event(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=escalating())
    ticket = await submit(a.requester.actor, "te")
    [approve] = active(owner, ticket, "approve")
    found = owner.execute("SELECT due_at - created_at FROM task_instances WHERE id = %s", (approve["id"],)).fetchone()
    assert found is not None and abs(found[0].total_seconds() - 86400) < 60
    due_now(owner, ticket, "due")
    assert await drain() == 1
    kinds = owner.execute("SELECT after->>'kind' FROM audit_log WHERE entity = 'task' AND entity_id = %s AND "
                          "action = 'timer_fired'", (str(approve["id"]),)).fetchall()
    assert kinds == [("due",)]


async def test_cancelling_or_moving_the_ticket_drops_its_timers(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=escalating())
    ticket = await submit(a.requester.actor, "te")
    assert len(timers_of(owner, ticket)) == 3
    await moving.move_ticket(a.admin.actor, ticket, task="done")
    assert timers_of(owner, ticket) == []
    other = await submit(a.requester.actor, "te")
    await tracking.cancel_ticket(a.admin.actor, other, reason="no longer needed")
    assert timers_of(owner, other) == []
    assert await drain() == 0


async def test_the_ticket_timeline_shows_reminders_and_the_timeout_to_its_readers_only(
        world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=escalating())
    ticket = await submit(a.requester.actor, "te")
    due_now(owner, ticket, "remind")
    await drain()
    due_now(owner, ticket, "timeout")
    await drain()
    detail = await tracking.get_ticket(a.admin.actor, ticket)
    approve = next(t for t in detail.timeline if t.key == "approve")
    assert [(e.kind, e.text) for e in approve.events] == [
        ("reminder", "Reminder 1 of 2 sent to the assignee"),
        ("timeout", "No answer within PT48H: cancelled, the workflow continued at 'escalate'")]
    assert approve.due_at is not None and approve.status == "CANCELLED"
    with pytest.raises(NotFound):
        await tracking.get_ticket(world.b.admin.actor, ticket)
    assert await visible_timers(world.b.company_id) == 0 < await visible_timers(a.company_id)



async def visible_timers(company_id: int) -> int:
    """Timers a company's own transaction sees (RLS): never another company's."""
    async with tenant_tx(company_id) as session:
        return int((await session.execute(text("SELECT count(*) FROM timers"))).scalar() or 0)
