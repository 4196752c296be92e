"""Stuck work moves on: an admin moves a ticket to a task, Resume tries the transitions again after a fix."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import count, loads, snapshot, task_row, workflow_of_ticket
from tests.fixtures.tenants import Tenant, World, worker_actor
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from tfai.services.tasks import work
from tfai.services.tickets import moving, submission, tracking

LAPTOP = {"model": "air-13", "price": 1200}


async def _held(owner: psycopg.Connection, tenant: Tenant) -> int:
    """A laptop ticket held because no transition out of a rejected approval applies."""
    doc = example("laptop-request.json")
    doc["workflow"]["transitions"][1]["condition"] = "ticket.price > 100000.0"
    await install(tenant, bundle=doc)
    created = await submission.submit_ticket(tenant.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.current_task is not None
    first = task_row(owner, created.current_task.id)
    done = await work.complete_form_task(worker_actor(tenant, first["assigned_to"]), first["id"],
                                         output={"approved": False})
    assert done.workflow_status == "ON_HOLD"
    return created.id


def _statuses(owner: psycopg.Connection, ticket_id: int) -> list[tuple[str, str]]:
    wf = workflow_of_ticket(owner, ticket_id)
    rows = owner.execute("SELECT d.key, t.t_status FROM task_instances t JOIN task_definitions d "
                         "ON d.id = t.task_definition_id WHERE t.workflow_instance_id = %s ORDER BY t.id",
                         (wf["id"],)).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _audit(owner: psycopg.Connection, ticket_id: int, action: str) -> list[dict[str, Any]]:
    rows = owner.execute("SELECT after FROM audit_log WHERE entity = 'ticket' AND entity_id = %s AND action = %s",
                         (str(ticket_id), action)).fetchall()
    return [dict(r[0]) for r in rows]


async def test_a_held_ticket_moves_to_a_chosen_task(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    ticket_id = await _held(owner, a)
    moved = await moving.move_ticket(a.ticket_admin.actor, ticket_id, task="rejected", reason="ask the requester")
    assert moved.workflow_status == "IN_PROGRESS" and moved.cancelled == 0
    assert moved.task.key == "rejected" and moved.task.status == "OPEN"
    assert moved.task.assignee_id in {w.id for w in a.workers}
    wf = workflow_of_ticket(owner, ticket_id)
    assert wf["w_status"] == "IN_PROGRESS" and wf["hold_reason"] is None
    assert _statuses(owner, ticket_id) == [("approve", "COMPLETED"), ("rejected", "OPEN")]
    assert _audit(owner, ticket_id, "moved") == [{"status": "IN_PROGRESS", "task": "rejected",
                                                  "task_id": moved.task.id, "cancelled": 0,
                                                  "reason": "ask the requester"}]


async def test_moving_cancels_open_tasks_and_frees_their_workers(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    created = await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.current_task is not None and created.current_task.assignee_id is not None
    assert loads(owner, a.company_id)[created.current_task.assignee_id] == 1
    moved = await moving.move_ticket(a.admin.actor, created.id, task="order")
    assert moved.cancelled == 1 and moved.task.key == "order" and moved.task.status == "PENDING"
    assert _statuses(owner, created.id) == [("approve", "CANCELLED"), ("order", "PENDING")]
    assert loads(owner, a.company_id)[created.current_task.assignee_id] == 0
    assert count(owner, "SELECT count(*) FROM outbox WHERE task_instance_id = %s", moved.task.id) == 1
    assert task_row(owner, moved.task.id)["input_data"] == {"sku": "air-13", "quantity": 1}


async def test_bad_moves_are_refused_and_write_nothing(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    ticket_id = await _held(owner, a)
    before = snapshot(owner, a.company_id), _statuses(owner, ticket_id), workflow_of_ticket(owner, ticket_id)
    with pytest.raises(InvalidInput) as unknown:
        await moving.move_ticket(a.ticket_admin.actor, ticket_id, task="aprove")
    assert unknown.value.details[0]["field"] == "task" and "approve" in unknown.value.details[0]["message"]
    with pytest.raises(Forbidden):
        await moving.move_ticket(a.requester.actor, ticket_id, task="rejected")
    with pytest.raises(Forbidden):
        await moving.move_ticket(a.worker1.actor, ticket_id, task="rejected")
    with pytest.raises(NotFound):
        await moving.move_ticket(world.b.admin.actor, ticket_id, task="rejected")
    with pytest.raises(InvalidInput):
        await moving.move_ticket(a.admin.actor, ticket_id, task="rejected", reason="x" * 5000)
    assert (snapshot(owner, a.company_id), _statuses(owner, ticket_id), workflow_of_ticket(owner, ticket_id)) \
        == before
    assert _audit(owner, ticket_id, "moved") == []


async def test_a_finished_ticket_cannot_move(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    ticket_id = await _held(owner, a)
    await tracking.cancel_ticket(a.admin.actor, ticket_id, reason="duplicate")
    before = snapshot(owner, a.company_id), _statuses(owner, ticket_id)
    with pytest.raises(Conflict, match="cancelled"):
        await moving.move_ticket(a.admin.actor, ticket_id, task="rejected")
    assert (snapshot(owner, a.company_id), _statuses(owner, ticket_id)) == before


async def test_resume_tries_the_transitions_again_on_the_changed_data(world: World,
                                                                       owner: psycopg.Connection) -> None:
    a = world.a
    ticket_id = await _held(owner, a)
    with pytest.raises(Conflict, match="Still no way on"):
        await tracking.resume_ticket(a.ticket_admin.actor, ticket_id)
    assert workflow_of_ticket(owner, ticket_id)["w_status"] == "ON_HOLD"
    # The cause fixed (an edit of the ticket's fields writes the workflow data the same way).
    owner.execute("UPDATE workflow_instances SET workflow_data = jsonb_set(workflow_data, '{ticket,price}', "
                  "'200000') WHERE id = %s", (workflow_of_ticket(owner, ticket_id)["id"],))
    await tracking.resume_ticket(a.ticket_admin.actor, ticket_id)
    assert workflow_of_ticket(owner, ticket_id)["w_status"] == "IN_PROGRESS"
    assert _statuses(owner, ticket_id) == [("approve", "COMPLETED"), ("rejected", "OPEN")]
