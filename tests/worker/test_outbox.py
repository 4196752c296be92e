"""The outbox relay: only committed rows, conditional marking, and the stale-action sweep."""

from __future__ import annotations

import psycopg

from tests.fixtures.actions import install_aimed, settled
from tests.fixtures.db_rows import current_task
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import World
from tests.fixtures.workers import WorkerPool
from tfai.services.actions import runs
from tfai.services.outbox import dispatch
from tfai.services.tickets import submission
from tfai.worker.outbox import relay_once


def publish(company_id: int, task_id: int) -> None:
    """The sweeper's publish (the broker URL is read from the test stack's settings at the call)."""
    dispatch.publish(company_id, task_id)


async def expense_task(world: World, owner: psycopg.Connection, external: ExternalServer) -> tuple[int, int]:
    a = world.a
    paths = await install_aimed(a, "expense-reimbursement.json", external)
    external.respond(paths["check_policy"], Reply(body={"compliant": False}))
    created = await submission.submit_ticket(a.requester.actor, ticket_type="expense",
                                          data={"amount": 50, "currency": "EUR", "category": "meals",
                                                "description": "x"})
    first = current_task(owner, created.id)
    assert first is not None
    return created.id, first["id"]


async def test_only_committed_rows_are_relayed_and_marking_is_conditional(
    world: World, owner: psycopg.Connection, stack: Stack, external: ExternalServer, worker_pool: WorkerPool,
    private_networks: None,
) -> None:
    worker_pool.kill_all()
    _, task_id = await expense_task(world, owner, external)
    [(outbox_id, kind, published)] = owner.execute(
        "SELECT id, kind, published_at FROM outbox WHERE task_instance_id = %s", (task_id,)).fetchall()
    assert kind == "sync" and published is None
    with psycopg.connect(stack.database_url) as pending_tx:
        extra = pending_tx.execute("INSERT INTO outbox (company_id, task_instance_id, kind) VALUES (%s, %s, 'sync') "
                                   "RETURNING id", (world.a.company_id, task_id)).fetchone()
        assert extra is not None
        visible = {row[0] for row in await runs.pending_outbox(1000)}
        assert outbox_id in visible and extra[0] not in visible
        pending_tx.rollback()
    assert await relay_once(publish, 1000) >= 1
    assert owner.execute("SELECT published_at IS NOT NULL, publish_attempts FROM outbox WHERE id = %s",
                         (outbox_id,)).fetchone() == (True, 1)
    assert await runs.mark_published(world.a.company_id, [outbox_id]) == 0
    assert outbox_id not in {row[0] for row in await runs.pending_outbox(1000)}
    worker_pool.ensure(1)
    done = await settled(owner, task_id)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 1


async def test_stale_sweep_finds_abandoned_action_tasks(world: World, owner: psycopg.Connection,
                                                        external: ExternalServer, worker_pool: WorkerPool,
                                                        private_networks: None) -> None:
    worker_pool.kill_all()
    _, task_id = await expense_task(world, owner, external)
    await relay_once(publish, 1000)
    owner.execute("UPDATE task_instances SET t_status = 'IN_PROGRESS', attempts = 1, "
                  "started_at = now() - interval '1 hour' WHERE id = %s", (task_id,))
    owner.execute("INSERT INTO action_attempts (company_id, task_instance_id, attempt, webhook_id, finished_at, "
                  "status_code) VALUES (%s, %s, 1, 'msg_x', now(), 200)", (world.a.company_id, task_id))
    assert (world.a.company_id, task_id) in await runs.stale_actions()
    owner.execute("UPDATE task_instances SET started_at = now() WHERE id = %s", (task_id,))
    assert (world.a.company_id, task_id) not in await runs.stale_actions()
    owner.execute("UPDATE task_instances SET t_status = 'PENDING', started_at = NULL WHERE id = %s", (task_id,))
    owner.execute("UPDATE outbox SET published_at = now() - interval '1 hour' WHERE task_instance_id = %s",
                  (task_id,))
    assert (world.a.company_id, task_id) in await runs.stale_actions()
    worker_pool.ensure(1)
    done = await settled(owner, task_id, within=30)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 2
