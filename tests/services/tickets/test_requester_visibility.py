"""What a requester sees of each task on their ticket: `visible_to_requester` (FORM tasks by default, not actions)."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.fixtures.bundles import install, laptop
from tests.fixtures.tenants import World
from tfai.domain.bundle import visible_to_requester
from tfai.domain.errors import NotFound
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking

LAPTOP = {"model": "air-13", "price": 1200}
REMOTE = {"raw": "vendor said: internal margin 42%"}


def test_the_default_follows_the_task_type() -> None:
    assert visible_to_requester({"type": "FORM"}) is True
    assert visible_to_requester({"type": "SYNC_ACTION"}) is False
    assert visible_to_requester({"type": "ASYNC_ACTION"}) is False
    assert visible_to_requester({"type": "SYNC_ACTION", "visible_to_requester": True}) is True
    assert visible_to_requester({"type": "FORM", "visible_to_requester": False}) is False


async def _ticket_at_order(world: World, owner: psycopg.Connection) -> tuple[int, int]:
    """A ticket whose approval is done and whose order action holds a remote response and an error."""
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    task = created.current_task
    assert task is not None and task.assignee_id is not None
    worker = next(w for w in world.a.workers if w.id == task.assignee_id)
    await work.complete_form_task(worker.actor, task.id, output={"approved": True, "comment": "fine"})
    owner.execute("UPDATE task_instances SET output_data = %s, error = %s WHERE workflow_instance_id = "
                  "(SELECT workflow_instance_id FROM ticket_instances WHERE id = %s) AND task_definition_id IN "
                  "(SELECT id FROM task_definitions WHERE key = 'order')",
                  (json.dumps(REMOTE), "HTTP 500: stack trace of the vendor", created.id))
    return created.id, worker.id


async def test_a_requester_sees_forms_but_not_the_actions_raw_data(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ticket_id, worker_id = await _ticket_at_order(world, owner)
    mine = {t.key: t for t in (await tracking.get_ticket(world.a.requester.actor, ticket_id)).timeline}
    assert mine["approve"].output == {"approved": True, "comment": "fine"}
    order = mine["order"]
    assert order.title == "Order from vendor" and order.status
    assert order.input is None and order.output is None and order.error is None
    worker = next(w for w in world.a.workers if w.id == worker_id)
    for reader in (world.a.admin, worker):  # the admin, and whoever worked on the ticket
        full = {t.key: t for t in (await tracking.get_ticket(reader.actor, ticket_id)).timeline}
        assert full["order"].output == REMOTE and full["order"].error and full["order"].input is not None
    with pytest.raises(NotFound):
        await tracking.get_ticket(world.b.requester.actor, ticket_id)


async def test_the_bundle_decides_per_task(world: World, owner: psycopg.Connection) -> None:
    bundle = laptop()
    tasks = {t["key"]: t for t in bundle["workflow"]["tasks"]}
    tasks["order"]["visible_to_requester"] = True
    tasks["approve"]["visible_to_requester"] = False
    await install(world.a, bundle=bundle)
    ticket_id, _ = await _ticket_at_order(world, owner)
    mine = {t.key: t for t in (await tracking.get_ticket(world.a.requester.actor, ticket_id)).timeline}
    assert mine["order"].output == REMOTE
    assert mine["approve"].output is None and mine["approve"].status == "COMPLETED"
