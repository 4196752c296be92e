"""The SQL assignment rule agrees with its oracle (tfai.domain.assignment) on random loads, flags and histories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import set_flags
from tests.fixtures.tenants import World, add_worker
from tfai.db.session import tenant_tx
from tfai.domain.assignment import WorkerLoad, plan_assignments
from tfai.services.tickets import submission
from tfai.services.workflow._assignment import assign_pending

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WAITING = 8


@pytest.mark.parametrize("seed", range(6))
async def test_assign_pending_follows_the_oracle(world: World, owner: psycopg.Connection, seed: int) -> None:
    rng = random.Random(seed)
    workers = [world.a.worker1, world.a.worker2, add_worker(owner, world.a), add_worker(owner, world.a)]
    await install(world.a)
    for w in workers:  # nobody takes the tickets submitted next: they wait, oldest first
        set_flags(owner, w.id, available=False)
    for _ in range(WAITING):
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                       data={"model": "pro-14", "price": 100})
    for w in workers:  # random loads (ties likely), histories (never, or one of few instants) and flags
        owner.execute("UPDATE users SET open_tasks = %s, last_assigned_at = %s, available = %s, is_active = %s "
                      "WHERE id = %s", (rng.randint(0, 2), rng.choice([None, T0, T0 + timedelta(minutes=1)]),
                                        rng.random() < 0.8, rng.random() < 0.85, w.id))
    rows = owner.execute("SELECT id, open_tasks, last_assigned_at, is_active, available FROM users "
                         "WHERE id = ANY(%s)", ([w.id for w in workers],)).fetchall()
    oracle = plan_assignments([WorkerLoad(int(r[0]), int(r[1]), r[2], bool(r[3]), bool(r[4])) for r in rows],
                              WAITING, datetime.now(UTC))
    async with tenant_tx(world.a.company_id) as session:
        assert await assign_pending(session, world.a.company_id) == len(oracle)
    got = [int(r[0]) for r in owner.execute(
        "SELECT assigned_to FROM task_instances WHERE company_id = %s AND assigned_to IS NOT NULL ORDER BY id",
        (world.a.company_id,)).fetchall()]
    assert got == oracle
