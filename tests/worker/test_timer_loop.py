"""The timer loop: real worker processes fire every timer exactly once, even when one is killed mid-way."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.fixtures.actions import wait_for
from tests.fixtures.db_rows import count, ticket_with_task
from tests.fixtures.tenants import Tenant, World
from tests.fixtures.workers import WorkerPool
from tfai.db.session import tenant_tx
from tfai.services.workflow import _timers
from tfai.worker.timers import BUSY_SLEEP_SECONDS, MAX_SLEEP_SECONDS, TimerLoop

TIMERS = 300
TASKS = 10


def _places(owner: psycopg.Connection, tenant: Tenant, n: int) -> list[tuple[int, int]]:
    """(workflow instance id, task id) of n new tickets, each with an OPEN form task."""
    out = []
    for _ in range(n):
        _, task_id = ticket_with_task(owner, tenant.company_id, created_by=tenant.requester.id,
                                      assigned_to=tenant.worker1.id)
        found = owner.execute("SELECT workflow_instance_id FROM task_instances WHERE id = %s", (task_id,)).fetchone()
        assert found is not None
        out.append((int(found[0]), task_id))
    return out


async def _schedule_spread(tenant: Tenant, places: list[tuple[int, int]], n: int, over: float) -> list[int]:
    """n task_timer timers due evenly over the next `over` seconds, round-robin over the places."""
    start = datetime.now(UTC)
    async with tenant_tx(tenant.company_id) as session:
        return [await _timers.schedule(session, company_id=tenant.company_id, workflow_instance_id=places[i % len(
            places)][0], task_instance_id=places[i % len(places)][1], kind=_timers.TASK_TIMER,
            due_at=start + timedelta(seconds=over * i / n)) for i in range(n)]


def _firings(owner: psycopg.Connection, ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for (timer_id,) in owner.execute("SELECT (after->>'timer_id')::bigint FROM audit_log WHERE action = %s "
                                     "AND (after->>'timer_id')::bigint = ANY(%s)",
                                     (_timers.TIMER_EVENT, ids)).fetchall():
        counts[int(timer_id)] += 1
    return counts


def _unfired(owner: psycopg.Connection, ids: list[int]) -> int:
    return count(owner, "SELECT count(*) FROM timers WHERE id = ANY(%s) AND fired_at IS NULL", ids)


@pytest.mark.slow
async def test_killing_a_worker_while_timers_fire_loses_and_repeats_none(
    world: World, owner: psycopg.Connection, worker_pool: WorkerPool, db_engine: None,
) -> None:
    worker_pool.kill_all()
    victim = worker_pool.start(concurrency=2)
    worker_pool.start(concurrency=2)
    ids = await _schedule_spread(world.a, _places(owner, world.a, TASKS), TIMERS, over=4.0)
    # Kill one worker once firing is under way (some fired, most still to come).
    await wait_for(lambda: _unfired(owner, ids) < TIMERS - 20, within=60, what="the first timers to fire")
    worker_pool.kill(victim, signal.SIGKILL)
    assert victim.poll() is not None
    await wait_for(lambda: _unfired(owner, ids) < TIMERS // 2 or _unfired(owner, ids) == 0, within=60,
                   what="the surviving worker to carry on")
    worker_pool.start(concurrency=2)  # the supervisor restarts it: both take part again
    await wait_for(lambda: _unfired(owner, ids) == 0, within=120, what="every timer to fire")
    assert _firings(owner, ids) == dict.fromkeys(ids, 1)
    outcomes = owner.execute("SELECT outcome, count(*) FROM timers WHERE id = ANY(%s) GROUP BY outcome",
                             (ids,)).fetchall()
    assert outcomes == [("fired", TIMERS)]


async def test_timers_survive_while_no_worker_runs_and_fire_when_one_starts(
    world: World, owner: psycopg.Connection, worker_pool: WorkerPool, db_engine: None,
) -> None:
    worker_pool.kill_all()
    ids = await _schedule_spread(world.a, _places(owner, world.a, 2), 20, over=0.5)
    await asyncio.sleep(1.0)  # all due now, and nobody fires them
    assert _unfired(owner, ids) == 20
    worker_pool.start(concurrency=2)
    await wait_for(lambda: _unfired(owner, ids) == 0, within=60, what="the started worker to fire them")
    assert _firings(owner, ids) == dict.fromkeys(ids, 1)


async def test_the_loop_fires_due_timers_and_sleeps_at_most_a_second(world: World, owner: psycopg.Connection,
                                                                     worker_pool: WorkerPool) -> None:
    worker_pool.kill_all()  # this test's loop is the only one firing
    ids = await _schedule_spread(world.a, _places(owner, world.a, 1), 5, over=0.3)
    loop = TimerLoop()
    running = asyncio.create_task(loop.run())
    try:
        await wait_for(lambda: _unfired(owner, ids) == 0, within=30, what="the loop to fire them")
    finally:
        loop.stop()
        await asyncio.wait_for(running, 30)
    assert _firings(owner, ids) == dict.fromkeys(ids, 1)
    assert loop.fired >= 5 and loop.rounds >= 1
    assert BUSY_SLEEP_SECONDS <= await TimerLoop().round() <= MAX_SLEEP_SECONDS
