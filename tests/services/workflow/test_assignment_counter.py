"""users.open_tasks and users.is_worker always agree with the tasks and roles after any mix of operations."""

from __future__ import annotations

import asyncio
import random

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import task_row
from tests.fixtures.tenants import Member, World, add_worker
from tfai.domain.errors import Conflict, InvalidInput
from tfai.services.accounts import users
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking

LAPTOP = {"model": "pro-14", "price": 2000}
_MISMATCH = """
SELECT u.id, u.open_tasks, count(t.id) AS real
FROM users u LEFT JOIN task_instances t ON t.assigned_to = u.id AND t.t_status IN ('OPEN', 'IN_PROGRESS')
WHERE u.company_id = %s GROUP BY u.id HAVING u.open_tasks <> count(t.id)
"""
_WORKER_MISMATCH = """
SELECT u.id FROM users u
WHERE u.company_id = %s AND u.is_worker <> EXISTS (SELECT 1 FROM user_system_roles r
                                                   WHERE r.user_id = u.id AND r.role = 'task_worker')
"""


def mismatches(owner: psycopg.Connection, company_id: int) -> list[tuple[int, int, int]]:
    return [(int(r[0]), int(r[1]), int(r[2])) for r in owner.execute(_MISMATCH, (company_id,)).fetchall()]


def open_form_tasks(owner: psycopg.Connection, company_id: int) -> list[tuple[int, int | None, int]]:
    """(task id, assignee, ticket id) of the company's unfinished FORM tasks."""
    rows = owner.execute(
        "SELECT t.id, t.assigned_to, k.id FROM task_instances t JOIN task_definitions d ON d.id = t.task_definition_id "
        "JOIN ticket_instances k ON k.workflow_instance_id = t.workflow_instance_id "
        "WHERE t.company_id = %s AND d.t_type = 'FORM' AND t.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING') "
        "ORDER BY t.id", (company_id,)).fetchall()
    return [(int(r[0]), None if r[1] is None else int(r[1]), int(r[2])) for r in rows]


async def step(world: World, owner: psycopg.Connection, rng: random.Random, workers: list[Member]) -> str:
    """One random operation (some may be refused: that is part of the mix); its name."""
    a = world.a
    open_tasks = open_form_tasks(owner, a.company_id)
    op = rng.choice(["submit", "submit", "complete", "complete", "reassign", "cancel", "active", "available",
                     "role"])
    try:
        if op == "submit" or not open_tasks:
            await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
            return "submit"
        task_id, _, ticket_id = rng.choice(open_tasks)
        worker = rng.choice(workers)
        if op == "complete":
            key = task_row(owner, task_id)["key"]
            output = {"approved": rng.random() < 0.5} if key == "approve" else {"note": "done"}
            await work.complete_form_task(a.admin.actor, task_id, output=output)
        elif op == "reassign":
            await work.reassign_task(a.ticket_admin.actor, task_id, user_id=worker.id)
        elif op == "cancel":
            await tracking.cancel_ticket(a.ticket_admin.actor, ticket_id, reason="random")
        elif op == "active":
            await users.update_user(a.admin.actor, worker.id, is_active=rng.random() < 0.6)
        elif op == "available":
            await work.set_availability(a.admin.actor, user_id=worker.id, available=rng.random() < 0.6)
        else:
            roles = ["task_worker", "user"] if rng.random() < 0.7 else ["user"]
            await users.update_user(a.admin.actor, worker.id, system_roles=roles)
    except (Conflict, InvalidInput):
        return op + " (refused)"
    return op


@pytest.mark.parametrize("seed", [7, 1234])
async def test_counters_match_tasks_and_roles_after_random_operations(world: World, owner: psycopg.Connection,
                                                                      seed: int) -> None:
    rng = random.Random(seed)
    workers = [world.a.worker1, world.a.worker2, add_worker(owner, world.a)]
    await install(world.a)
    await install(world.b)
    done: list[str] = []
    for _ in range(60):
        done.append(await step(world, owner, rng, workers))
        assert mismatches(owner, world.a.company_id) == [], done
        assert owner.execute(_WORKER_MISMATCH, (world.a.company_id,)).fetchall() == [], done
    assert {"submit", "complete", "reassign", "cancel"} <= {d.split()[0] for d in done}
    assert mismatches(owner, world.b.company_id) == []


async def test_counters_hold_under_concurrent_submissions_and_completions(world: World,
                                                                          owner: psycopg.Connection) -> None:
    add_worker(owner, world.a)
    await install(world.a)
    first = await asyncio.gather(*[submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                                         data=LAPTOP) for _ in range(12)])
    ids = [c.current_task.id for c in first if c.current_task is not None]
    await asyncio.gather(
        *[work.complete_form_task(world.a.admin.actor, i, output={"approved": False}) for i in ids[:6]],
        *[submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP) for _ in range(6)])
    assert mismatches(owner, world.a.company_id) == []
    loads = [int(r[0]) for r in owner.execute("SELECT open_tasks FROM users WHERE company_id = %s AND is_worker",
                                              (world.a.company_id,)).fetchall()]
    assert sum(loads) == 18 and max(loads) - min(loads) <= 1


async def test_submit_answer_names_the_assignee_without_a_re_read(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.current_task is not None
    row = task_row(owner, created.current_task.id)
    assert (created.current_task.assignee_id, created.current_task.status) == (row["assigned_to"], "OPEN")
    emails = {m.id: m.email for m in world.a.workers}
    assert created.current_task.assignee_email == emails[row["assigned_to"]]
    assert created.current_task.key == "approve"
