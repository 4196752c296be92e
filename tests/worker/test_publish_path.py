"""The publish after commit runs actions with no sweeper round; the sweeper sends only what was never published."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import psycopg
import pytest

from tests.fixtures.actions import install_aimed, settled
from tests.fixtures.db_rows import current_task
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Tenant, World
from tests.fixtures.workers import WorkerPool
from tfai.redis_client import get_sync_redis
from tfai.services.outbox import dispatch
from tfai.services.tickets import submission
from tfai.settings import get_settings
from tfai.worker.outbox import LEADER_KEY, LEADER_MS, SWEEP_AFTER_SECONDS, publish_rows

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def no_sweeper(workers: WorkerPool) -> Iterator[None]:
    """Someone else holds the sweeper's lease, so no worker's sweeper runs a round."""
    client = get_sync_redis()
    client.set(LEADER_KEY, "the-test", px=60_000)
    try:
        yield
    finally:
        if client.get(LEADER_KEY) == b"the-test":
            client.delete(LEADER_KEY)


async def expense(tenant: Tenant, external: ExternalServer, owner: psycopg.Connection) -> int:
    paths = await install_aimed(tenant, "expense-reimbursement.json", external)
    external.respond(paths["check_policy"], Reply(body={"compliant": False, "rule": "R1"}))
    created = await submission.submit_ticket(tenant.requester.actor, ticket_type="expense",
                                             data={"amount": 50, "currency": "EUR", "category": "meals",
                                                   "description": "x"})
    task = current_task(owner, created.id)
    assert task is not None
    return int(task["id"])


def outbox_row(owner: psycopg.Connection, task_id: int) -> tuple[int, bool, int]:
    row = owner.execute("SELECT id, published_at IS NOT NULL, publish_attempts FROM outbox "
                        "WHERE task_instance_id = %s", (task_id,)).fetchone()
    assert row is not None
    return int(row[0]), bool(row[1]), int(row[2])


async def test_an_action_runs_from_the_publish_after_commit_alone(
        world: World, owner: psycopg.Connection, external: ExternalServer, no_sweeper: None) -> None:
    await asyncio.sleep(LEADER_MS / 1000 / 3 + 0.5)  # a sweeper that led notices it no longer does
    task_id = await expense(world.a, external, owner)
    done = await settled(owner, task_id, within=20)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 1
    assert outbox_row(owner, task_id)[1:] == (False, 0)  # the sweeper never touched the row


async def test_the_sweeper_sends_a_row_whose_publish_was_lost(
        world: World, owner: psycopg.Connection, external: ExternalServer, stack: Stack, workers: WorkerPool) -> None:
    os.environ["TFAI_REDIS_URL"] = UNREACHABLE  # this submission's publish finds no broker
    get_settings.cache_clear()
    try:
        task_id = await expense(world.b, external, owner)
        assert dispatch.drain(20)  # the publish failed (connection refused, after kombu's retries)
    finally:
        os.environ["TFAI_REDIS_URL"] = stack.redis_url
        get_settings.cache_clear()
        get_sync_redis().delete(LEADER_KEY)  # whichever worker: the lease is taken again at once
    done = await settled(owner, task_id, within=SWEEP_AFTER_SECONDS + 25)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 1
    assert outbox_row(owner, task_id)[1:] == (True, 1)  # sent once, by the sweeper


async def test_a_row_whose_task_was_claimed_is_marked_and_not_sent(
        world: World, owner: psycopg.Connection, external: ExternalServer, workers: WorkerPool) -> None:
    task_id = await expense(world.a, external, owner)
    assert (await settled(owner, task_id))["t_status"] == "COMPLETED"
    outbox_id = outbox_row(owner, task_id)[0]
    sent: list[tuple[int, int]] = []
    assert await publish_rows(lambda c, t: sent.append((c, t)), [(outbox_id, world.a.company_id, task_id)]) == 0
    assert sent == [] and outbox_row(owner, task_id)[1:] == (True, 0)
