"""Publishing after commit: a committed action task's message reaches the broker at once, a rolled-back one never."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator

import psycopg
import pytest
import redis

from tests.fixtures.bundles import example
from tests.fixtures.db_rows import current_task
from tests.fixtures.stack import Stack, _with_db
from tests.fixtures.tenants import World
from tfai.db.session import tenant_tx
from tfai.services.definitions.bundles import save_bundle
from tfai.services.outbox import _publish, dispatch
from tfai.services.tickets import submission
from tfai.settings import get_settings

QUIET_DB = 0  # the test stack picks Redis databases 1-15, so no test worker consumes this one
QUEUE = "celery"


@pytest.fixture
def quiet_broker(stack: Stack) -> Iterator[redis.Redis]:
    """The broker moved to a Redis database no worker consumes: what is published stays there to be read."""
    url = _with_db(stack.redis_url, QUIET_DB)
    client = redis.Redis.from_url(url)
    client.delete(QUEUE)
    os.environ["TFAI_REDIS_URL"] = url
    get_settings.cache_clear()
    try:
        yield client
    finally:
        dispatch.drain(10)
        os.environ["TFAI_REDIS_URL"] = stack.redis_url
        get_settings.cache_clear()
        client.delete(QUEUE)
        client.close()


def published(client: redis.Redis) -> list[tuple[str, list[int]]]:
    """(task name, args) of every message waiting in the queue, once the publishing threads are done."""
    assert dispatch.drain(10)
    out = []
    for raw in client.lrange(QUEUE, 0, -1):  # type: ignore[union-attr]
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        out.append((message["headers"]["task"], args))
    return out


async def test_a_committed_action_task_is_published_without_any_relay(
        world: World, owner: psycopg.Connection, quiet_broker: redis.Redis) -> None:
    a = world.a
    await save_bundle(a.designer.actor, example("expense-reimbursement.json"))
    created = await submission.submit_ticket(a.requester.actor, ticket_type="expense",
                                             data={"amount": 50, "currency": "EUR", "category": "meals",
                                                   "description": "x"})
    task = current_task(owner, created.id)
    assert task is not None
    assert published(quiet_broker) == [(dispatch.RUN_ACTION, [a.company_id, task["id"]])]
    # The row stays unpublished: only the sweeper marks rows (and sends them only when the task still waits).
    assert owner.execute("SELECT published_at FROM outbox WHERE task_instance_id = %s",
                         (task["id"],)).fetchone() == (None,)


async def test_a_rolled_back_transaction_publishes_nothing(world: World, quiet_broker: redis.Redis) -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with tenant_tx(world.a.company_id) as session:
            _publish.publish_after_commit(session, world.a.company_id, 987654321)
            raise Refused
    async with tenant_tx(world.a.company_id) as session:  # the next transaction on a new session sends nothing stale
        pass
    assert published(quiet_broker) == []


async def test_a_released_savepoint_waits_for_the_outer_commit(world: World, quiet_broker: redis.Redis) -> None:
    async with tenant_tx(world.b.company_id) as session:
        async with session.begin_nested():
            _publish.publish_after_commit(session, world.b.company_id, 123456789)
        assert published(quiet_broker) == []  # released, not committed
    assert published(quiet_broker) == [(dispatch.RUN_ACTION, [world.b.company_id, 123456789])]
