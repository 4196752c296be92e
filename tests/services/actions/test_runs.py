"""The worker's claim in one statement: once per waiting task, the attempt opened with it, per company only."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import example
from tests.fixtures.db_rows import current_task
from tests.fixtures.tenants import Tenant, World
from tfai.domain.errors import Conflict
from tfai.services.actions import runs
from tfai.services.definitions.bundles import save_bundle
from tfai.services.tickets import submission
from tfai.services.workflow import action_results
from tfai.services.workflow.action_results import Attempt


async def waiting_action(tenant: Tenant, owner: psycopg.Connection) -> int:
    await save_bundle(tenant.designer.actor, example("expense-reimbursement.json"))
    created = await submission.submit_ticket(tenant.requester.actor, ticket_type="expense",
                                             data={"amount": 50, "currency": "EUR", "category": "meals",
                                                   "description": "x"})
    task = current_task(owner, created.id)
    assert task is not None and task["t_status"] == "PENDING"
    return int(task["id"])


def attempts(owner: psycopg.Connection, task_id: int) -> list[tuple[int, bool, str | None, int | None]]:
    return [(int(r[0]), r[1] is not None, r[2], r[3]) for r in owner.execute(
        "SELECT attempt, finished_at, error, status_code FROM action_attempts WHERE task_instance_id = %s "
        "ORDER BY attempt", (task_id,)).fetchall()]


async def test_a_task_is_claimed_once_with_its_attempt_open(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    task_id = await waiting_action(a, owner)
    job = await runs.claim(a.company_id, task_id)
    assert job is not None and job.attempt == 1 and job.is_sync and job.attempt_id > 0
    assert job.input == {"amount": 50, "currency": "EUR", "category": "meals"}
    assert job.secret == owner.execute("SELECT webhook_secret FROM companies WHERE id = %s",
                                       (a.company_id,)).fetchone()[0]  # type: ignore[index]
    assert job.workflow_data["ticket"]["amount"] == 50
    assert attempts(owner, task_id) == [(1, False, None, None)]
    assert await runs.claim(a.company_id, task_id) is None  # a second message for the same task does nothing
    assert owner.execute("SELECT t_status, attempts FROM task_instances WHERE id = %s",
                         (task_id,)).fetchone() == ("IN_PROGRESS", 1)


async def test_another_company_cannot_claim_the_task(world: World, owner: psycopg.Connection) -> None:
    task_id = await waiting_action(world.a, owner)
    assert await runs.claim(world.b.company_id, task_id) is None
    assert owner.execute("SELECT t_status FROM task_instances WHERE id = %s", (task_id,)).fetchone() == ("PENDING",)
    assert attempts(owner, task_id) == []


async def test_a_dead_workers_task_is_claimed_again_and_its_open_attempt_closed(
        world: World, owner: psycopg.Connection) -> None:
    a = world.a
    task_id = await waiting_action(a, owner)
    assert await runs.claim(a.company_id, task_id) is not None
    owner.execute("UPDATE task_instances SET started_at = now() - interval '1 hour' WHERE id = %s", (task_id,))
    again = await runs.claim(a.company_id, task_id)
    assert again is not None and again.attempt == 2
    assert attempts(owner, task_id) == [(1, True, "the worker stopped during this attempt", None),
                                        (2, False, None, None)]


async def test_the_attempt_is_written_with_the_completion_or_not_at_all(world: World,
                                                                       owner: psycopg.Connection) -> None:
    a = world.a
    task_id = await waiting_action(a, owner)
    job = await runs.claim(a.company_id, task_id)
    assert job is not None
    done = Attempt(job.attempt_id, 200, 12)
    await action_results.complete_action_task(a.company_id, task_id, output={"compliant": False}, attempt=done)
    assert attempts(owner, task_id) == [(1, True, None, 200)]
    assert owner.execute("SELECT t_status FROM task_instances WHERE id = %s", (task_id,)).fetchone() == ("COMPLETED",)
    late = Attempt(job.attempt_id, 500, 99, "late")
    with pytest.raises(Conflict):  # no longer waits: nothing is written, the attempt included
        await action_results.complete_action_task(a.company_id, task_id, output={"compliant": True}, attempt=late)
    assert attempts(owner, task_id) == [(1, True, None, 200)]
