"""Durable timers: scheduled in a transaction, fired once by fire_due, skipped for finished tasks, per company."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from tests.fixtures.db_rows import count, row, ticket_with_task
from tests.fixtures.tenants import Tenant, World
from tfai.db.session import tenant_tx
from tfai.services.common import audit
from tfai.services.workflow import _timers, timers
from tfai.services.workflow._timers import EFFECTS, REMIND, SKIPPED, TimerRow

PROBE = "probe"
PAST = timedelta(seconds=-5)
LATER = timedelta(days=30)


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A timer kind whose firing writes an audit row per firing (so a double firing would show as two rows);
    `behaviour` lets a test make it slow, raise or break its connection."""
    behaviour: dict[str, Any] = {"delay": 0.0, "raise": 0, "kill": 0}

    async def effect(session: Any, timer: TimerRow) -> str:
        if behaviour["kill"]:
            behaviour["kill"] -= 1
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        if behaviour["raise"]:
            behaviour["raise"] -= 1
            raise RuntimeError("the effect failed")
        await audit.record(session, None, company_id=timer.company_id, entity="timer", entity_id=timer.id,
                           action=PROBE, after={"timer_id": timer.id})
        await asyncio.sleep(behaviour["delay"])
        return _timers.FIRED

    monkeypatch.setitem(EFFECTS, PROBE, effect)
    yield behaviour


async def _schedule(tenant: Tenant, workflow_id: int, task_id: int | None, *, kind: str = PROBE,
                    offsets: list[timedelta], payload: dict[str, Any] | None = None) -> list[int]:
    now = datetime.now(UTC)
    async with tenant_tx(tenant.company_id) as session:
        return [await _timers.schedule(session, company_id=tenant.company_id, workflow_instance_id=workflow_id,
                                       task_instance_id=task_id, kind=kind, due_at=now + offset, payload=payload)
                for offset in offsets]


def _task(owner: psycopg.Connection, tenant: Tenant, **kw: Any) -> tuple[int, int]:
    """(workflow instance id, task id) of a new ticket with an OPEN form task assigned to worker1."""
    _, task_id = ticket_with_task(owner, tenant.company_id, created_by=tenant.requester.id,
                                  assigned_to=tenant.worker1.id, **kw)
    found = row(owner, "SELECT workflow_instance_id FROM task_instances WHERE id = %s", task_id)
    assert found is not None
    return int(found["workflow_instance_id"]), task_id


def _firings(owner: psycopg.Connection, ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for (timer_id,) in owner.execute("SELECT (after->>'timer_id')::bigint FROM audit_log WHERE action = %s "
                                     "AND (after->>'timer_id')::bigint = ANY(%s)", (PROBE, ids)).fetchall():
        counts[int(timer_id)] += 1
    return counts


async def _drain() -> int:
    total = 0
    while (n := await timers.fire_due(500)) > 0:
        total += n
    return total


async def test_a_due_timer_fires_once_and_a_later_one_waits(world: World, owner: psycopg.Connection,
                                                            probe: dict[str, Any]) -> None:
    wid, tid = _task(owner, world.a)
    due, later = await _schedule(world.a, wid, tid, offsets=[PAST, LATER])
    assert await _drain() >= 1
    assert await _drain() == 0  # nothing left to fire
    assert _firings(owner, [due, later]) == {due: 1, later: 0}
    fired = row(owner, "SELECT fired_at, due_at, outcome, attempts FROM timers WHERE id = %s", due)
    assert fired is not None and fired["outcome"] == "fired" and fired["attempts"] == 1
    assert fired["fired_at"] >= fired["due_at"]
    waiting = row(owner, "SELECT fired_at FROM timers WHERE id = %s", later)
    assert waiting == {"fired_at": None}
    assert (await timers.next_due_in() or 0) > 0  # the later one (or another test's) is pending


async def test_a_timer_scheduled_in_a_rolled_back_transaction_does_not_exist(world: World,
                                                                              owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a)
    with pytest.raises(RuntimeError):
        async with tenant_tx(world.a.company_id) as session:
            await _timers.schedule(session, company_id=world.a.company_id, workflow_instance_id=wid,
                                   task_instance_id=tid, kind=REMIND, due_at=datetime.now(UTC) + PAST)
            raise RuntimeError("the caller's transaction fails")
    assert count(owner, "SELECT count(*) FROM timers WHERE task_instance_id = %s", tid) == 0


async def test_schedule_refuses_unknown_kinds_and_naive_times(world: World, owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a)
    async with tenant_tx(world.a.company_id) as session:
        with pytest.raises(ValueError, match="unknown timer kind"):
            await _timers.schedule(session, company_id=world.a.company_id, workflow_instance_id=wid,
                                   task_instance_id=tid, kind="nap", due_at=datetime.now(UTC))
        with pytest.raises(ValueError, match="timezone-aware"):
            await _timers.schedule(session, company_id=world.a.company_id, workflow_instance_id=wid,
                                   task_instance_id=tid, kind=REMIND, due_at=datetime.now())  # noqa: DTZ005
    assert count(owner, "SELECT count(*) FROM timers WHERE task_instance_id = %s", tid) == 0


async def test_a_timer_whose_transaction_fails_fires_in_the_next_round(world: World, owner: psycopg.Connection,
                                                                       probe: dict[str, Any]) -> None:
    wid, tid = _task(owner, world.a)
    ids = await _schedule(world.a, wid, tid, offsets=[PAST, PAST])
    probe["kill"] = 1  # the first firing loses its database connection: the whole claim rolls back
    with pytest.raises(SQLAlchemyError):  # the caller (the worker's loop) logs it and tries again
        await timers.fire_due(500)
    assert _firings(owner, ids) == dict.fromkeys(ids, 0)
    assert count(owner, "SELECT count(*) FROM timers WHERE id = ANY(%s) AND fired_at IS NULL", ids) == 2
    await _drain()
    assert _firings(owner, ids) == dict.fromkeys(ids, 1)


async def test_a_failing_effect_is_retried_later_and_spares_the_batch(world: World, owner: psycopg.Connection,
                                                                      probe: dict[str, Any]) -> None:
    wid, tid = _task(owner, world.a)
    first, second = await _schedule(world.a, wid, tid, offsets=[PAST, PAST + timedelta(seconds=1)])
    probe["raise"] = 1  # the earlier timer's effect raises once
    await _drain()
    assert _firings(owner, [first, second]) == {first: 0, second: 1}
    failed = row(owner, "SELECT attempts, last_error, retry_at, fired_at FROM timers WHERE id = %s", first)
    assert failed is not None and failed["attempts"] == 1 and failed["fired_at"] is None
    assert "the effect failed" in failed["last_error"] and failed["retry_at"] is not None
    owner.execute("UPDATE timers SET retry_at = now() WHERE id = %s", (first,))  # its back-off is over
    await _drain()
    assert _firings(owner, [first, second]) == {first: 1, second: 1}
    assert row(owner, "SELECT attempts, outcome FROM timers WHERE id = %s", first) == {"attempts": 2,
                                                                                      "outcome": "fired"}


@pytest.mark.parametrize("status", ["COMPLETED", "CANCELLED"])
async def test_a_finished_tasks_timer_is_skipped_not_fired(world: World, owner: psycopg.Connection,
                                                           status: str) -> None:
    wid, tid = _task(owner, world.a)
    (timer_id,) = await _schedule(world.a, wid, tid, kind=REMIND, offsets=[PAST], payload={"every": "P1D"})
    owner.execute("UPDATE task_instances SET t_status = %s WHERE id = %s", (status, tid))
    await _drain()
    assert row(owner, "SELECT outcome FROM timers WHERE id = %s", timer_id) == {"outcome": SKIPPED}
    assert count(owner, "SELECT count(*) FROM audit_log WHERE entity = 'task' AND entity_id = %s", str(tid)) == 0


async def test_a_cancelled_workflows_task_timer_is_skipped(world: World, owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a, w_status="CANCELLED")
    (timer_id,) = await _schedule(world.a, wid, tid, kind=_timers.TIMEOUT, offsets=[PAST])
    await _drain()
    assert row(owner, "SELECT outcome FROM timers WHERE id = %s", timer_id) == {"outcome": SKIPPED}


async def test_cancel_for_task_and_workflow_drop_unfired_timers(world: World, owner: psycopg.Connection,
                                                                probe: dict[str, Any]) -> None:
    wid, tid = _task(owner, world.a)
    other_wid, other_tid = _task(owner, world.a)
    on_task = await _schedule(world.a, wid, tid, offsets=[PAST, LATER])
    on_workflow = await _schedule(world.a, wid, None, offsets=[LATER])
    elsewhere = await _schedule(world.a, other_wid, other_tid, offsets=[LATER])
    async with tenant_tx(world.a.company_id) as session:
        assert await _timers.cancel_for_task(session, tid) == 2
        assert await _timers.cancel_for_workflow(session, wid) == 1
    await _drain()
    assert _firings(owner, on_task + on_workflow) == dict.fromkeys(on_task + on_workflow, 0)
    assert count(owner, "SELECT count(*) FROM timers WHERE id = ANY(%s)", on_task + on_workflow) == 0
    assert count(owner, "SELECT count(*) FROM timers WHERE id = ANY(%s)", elsewhere) == 1


async def test_reminders_repeat_every_period_up_to_times_for_the_assignee(world: World,
                                                                          owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a)
    await _schedule(world.a, wid, tid, kind=REMIND, offsets=[timedelta(days=-3)],
                    payload={"every": "P1D", "times": 3})
    await _drain()  # due 3 days ago, then 2 and 1 day ago: all three are due now
    events = owner.execute("SELECT after FROM audit_log WHERE entity = 'task' AND entity_id = %s "
                           "AND action = 'reminder' ORDER BY id", (str(tid),)).fetchall()
    assert [(e[0]["reminder"], e[0]["of"], e[0]["assignee_id"]) for e in events] == [
        (1, 3, world.a.worker1.id), (2, 3, world.a.worker1.id), (3, 3, world.a.worker1.id)]
    dues = [r[0] for r in owner.execute("SELECT due_at FROM timers WHERE task_instance_id = %s ORDER BY due_at",
                                        (tid,)).fetchall()]
    assert [b - a for a, b in zip(dues, dues[1:], strict=False)] == [timedelta(days=1)] * 2
    assert count(owner, "SELECT count(*) FROM timers WHERE task_instance_id = %s AND fired_at IS NULL", tid) == 0


async def test_placeholder_kinds_record_a_timeline_event(world: World, owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a)
    ids = [(await _schedule(world.a, wid, tid, kind=kind, offsets=[PAST]))[0]
           for kind in (_timers.TASK_TIMER, _timers.TIMEOUT, _timers.DUE)]
    (on_workflow,) = await _schedule(world.a, wid, None, kind=_timers.TASK_TIMER, offsets=[PAST])
    await _drain()
    kinds = [r[0] for r in owner.execute("SELECT after->>'kind' FROM audit_log WHERE action = 'timer_fired' "
                                         "AND (after->>'timer_id')::bigint = ANY(%s) ORDER BY id",
                                         (ids,)).fetchall()]
    assert sorted(kinds) == ["due", "task_timer", "timeout"]
    assert count(owner, "SELECT count(*) FROM audit_log WHERE action = 'timer_fired' AND entity = 'workflow' "
                        "AND entity_id = %s", str(wid)) == 1
    assert row(owner, "SELECT outcome FROM timers WHERE id = %s", on_workflow) == {"outcome": "fired"}


async def test_another_companys_timers_are_invisible_and_untouchable(world: World,
                                                                     owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a)
    (timer_id,) = await _schedule(world.a, wid, tid, kind=REMIND, offsets=[LATER])
    async with tenant_tx(world.b.company_id) as session:
        assert (await session.execute(text("SELECT count(*) FROM timers WHERE id = :id"),
                                      {"id": timer_id})).scalar_one() == 0
        assert await _timers.cancel_for_task(session, tid) == 0
        assert await _timers.cancel_for_workflow(session, wid) == 0
        updated = await session.execute(text("UPDATE timers SET due_at = now() WHERE id = :id"), {"id": timer_id})
        assert getattr(updated, "rowcount", None) == 0
    async with tenant_tx(None) as session:  # no company: nothing either
        assert (await session.execute(text("SELECT count(*) FROM timers"))).scalar_one() == 0
    with pytest.raises(DBAPIError):  # company B cannot schedule on company A's workflow
        async with tenant_tx(world.b.company_id) as session:
            await _timers.schedule(session, company_id=world.b.company_id, workflow_instance_id=wid,
                                   task_instance_id=tid, kind=REMIND, due_at=datetime.now(UTC))
    with pytest.raises(DBAPIError):  # nor write a row for company A (row-level security's WITH CHECK)
        async with tenant_tx(world.b.company_id) as session:
            await _timers.schedule(session, company_id=world.a.company_id, workflow_instance_id=wid,
                                   task_instance_id=tid, kind=REMIND, due_at=datetime.now(UTC))
    assert row(owner, "SELECT fired_at, due_at > now() AS later FROM timers WHERE id = %s", timer_id) == {
        "fired_at": None, "later": True}


async def test_the_backlog_counts_pending_timers(world: World, owner: psycopg.Connection) -> None:
    wid, tid = _task(owner, world.a)
    before = await timers.backlog()
    await _schedule(world.a, wid, tid, kind=REMIND, offsets=[LATER, LATER])
    after = await timers.backlog()
    assert after.pending == before.pending + 2
    assert after.overdue_seconds >= 0
