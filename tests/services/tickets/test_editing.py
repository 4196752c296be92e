"""Editing a ticket's fields (who, when, validation, timeline, workflow data) and the requester withdrawing it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import example, install
from tests.fixtures.db_rows import current_task, row, workflow_of_ticket
from tests.fixtures.tenants import World
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from tfai.services.tasks import work
from tfai.services.tickets import editing, submission, tracking

LAPTOP = {"model": "air-13", "price": 1200, "justification": "old one broke"}


async def _ticket(world: World, editable_by: str | None = None) -> int:
    bundle = example("laptop-request.json")
    if editable_by is not None:
        bundle["ticket_types"][0]["editable_by"] = editable_by
    await install(world.a, bundle=bundle)
    return (await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)).id


def _state(owner: psycopg.Connection, ticket_id: int) -> tuple[Any, ...]:
    """The ticket's fields, its workflow's data and status, and its audit rows: unchanged when nothing was written."""
    wf = workflow_of_ticket(owner, ticket_id)
    data = row(owner, "SELECT ticket_data FROM ticket_instances WHERE id = %s", ticket_id)
    audits = row(owner, "SELECT count(*) AS n FROM audit_log WHERE entity = 'ticket' AND entity_id = %s",
                 str(ticket_id))
    assert data is not None and audits is not None
    return data["ticket_data"], wf["workflow_data"], wf["w_status"], audits["n"]


async def test_requester_edits_partially_and_the_timeline_and_workflow_see_it(world: World,
                                                                             owner: psycopg.Connection) -> None:
    tid = await _ticket(world)
    detail = await tracking.get_ticket(world.a.requester.actor, tid)
    assert detail.can_edit and detail.can_withdraw and detail.edit_layout is not None
    changes = await editing.edit_ticket(world.a.requester.actor, tid, fields={"price": 999, "model": "air-13"})
    assert [(c.field, c.before, c.after, c.changed_by_email) for c in changes] == [
        ("price", 1200, 999, world.a.requester.email)]
    wf = workflow_of_ticket(owner, tid)
    assert wf["workflow_data"]["ticket"] == {**LAPTOP, "price": 999}
    await editing.edit_ticket(world.a.ticket_admin.actor, tid, fields={"justification": "needs more RAM"})
    detail = await tracking.get_ticket(world.a.requester.actor, tid)
    assert detail.fields == {"model": "air-13", "price": 999, "justification": "needs more RAM"}
    assert [(c.field, c.before, c.after, c.changed_by_email) for c in detail.changes] == [
        ("price", 1200, 999, world.a.requester.email),
        ("justification", "old one broke", "needs more RAM", world.a.ticket_admin.email)]
    # The next task's input is computed from the edited values (CEL reads them as `ticket`).
    task = current_task(owner, tid)
    assert task is not None and task["input_data"] == {"model": "air-13", "price": 1200}  # computed at submission
    again = await editing.edit_ticket(world.a.requester.actor, tid, fields={"price": 999})
    assert len(again) == 2  # nothing new: the value was already so, and no audit row was added
    assert row(owner, "SELECT count(*) AS n FROM audit_log WHERE entity = 'ticket' AND entity_id = %s "
                      "AND action = 'edited'", str(tid)) == {"n": 2}


async def test_edited_values_reach_the_next_task(world: World, owner: psycopg.Connection) -> None:
    tid = await _ticket(world)
    await editing.edit_ticket(world.a.admin.actor, tid, fields={"model": "pro-16"})
    approve = current_task(owner, tid)
    assert approve is not None
    await work.complete_form_task(world.a.admin.actor, approve["id"], output={"approved": True})
    order = current_task(owner, tid)
    assert order is not None and order["key"] == "order"
    assert order["input_data"] == {"sku": "pro-16", "quantity": 1}


async def test_invalid_fields_answer_422_per_field_and_write_nothing(world: World, owner: psycopg.Connection) -> None:
    tid = await _ticket(world)
    before = _state(owner, tid)
    with pytest.raises(InvalidInput) as err:
        await editing.edit_ticket(world.a.requester.actor, tid, fields={"model": "c64", "price": -1})
    assert {d["field"] for d in err.value.details} == {"model", "price"}
    with pytest.raises(InvalidInput):
        await editing.edit_ticket(world.a.requester.actor, tid, fields={})
    assert _state(owner, tid) == before


async def test_who_may_edit_and_when(world: World, owner: psycopg.Connection) -> None:
    tid = await _ticket(world)
    before = _state(owner, tid)
    with pytest.raises(NotFound):
        await editing.edit_ticket(world.b.admin.actor, tid, fields={"price": 1})
    with pytest.raises(NotFound):  # someone of the company who neither owns nor works on it does not see it
        await editing.edit_ticket(world.a.designer.actor, tid, fields={"price": 1})
    approve = current_task(owner, tid)
    assert approve is not None and approve["assigned_to"] is not None
    assignee = next(w for w in world.a.workers if w.id == approve["assigned_to"])
    with pytest.raises(Forbidden):  # sees it (works on it), may not change it
        await editing.edit_ticket(assignee.actor, tid, fields={"price": 1})
    assert _state(owner, tid) == before
    assert not (await tracking.get_ticket(assignee.actor, tid)).can_edit
    await work.complete_form_task(assignee.actor, approve["id"], output={"approved": False})
    before = _state(owner, tid)
    with pytest.raises(Conflict, match="already done"):
        await editing.edit_ticket(world.a.requester.actor, tid, fields={"price": 1})
    assert _state(owner, tid) == before
    assert not (await tracking.get_ticket(world.a.requester.actor, tid)).can_edit
    await editing.edit_ticket(world.a.ticket_admin.actor, tid, fields={"price": 1})  # admins: while active
    await tracking.cancel_ticket(world.a.admin.actor, tid)
    before = _state(owner, tid)
    with pytest.raises(Conflict, match="closed"):
        await editing.edit_ticket(world.a.admin.actor, tid, fields={"price": 2})
    assert _state(owner, tid) == before


@pytest.mark.parametrize(("editable_by", "requester_may", "admin_may"),
                         [("admins", False, True), ("nobody", False, False)])
async def test_editable_by(world: World, owner: psycopg.Connection, editable_by: str, requester_may: bool,
                           admin_may: bool) -> None:
    tid = await _ticket(world, editable_by)
    assert (await tracking.get_ticket(world.a.requester.actor, tid)).can_edit is requester_may
    assert (await tracking.get_ticket(world.a.ticket_admin.actor, tid)).can_edit is admin_may
    with pytest.raises(Forbidden):
        await editing.edit_ticket(world.a.requester.actor, tid, fields={"price": 5})
    if admin_may:
        await editing.edit_ticket(world.a.ticket_admin.actor, tid, fields={"price": 5})
    else:
        with pytest.raises(Forbidden):
            await editing.edit_ticket(world.a.admin.actor, tid, fields={"price": 5})
    assert workflow_of_ticket(owner, tid)["workflow_data"]["ticket"]["price"] == (5 if admin_may else 1200)


async def test_requester_withdraws_their_own_active_ticket(world: World, owner: psycopg.Connection) -> None:
    tid = await _ticket(world)
    other = (await submission.submit_ticket(world.a.admin.actor, ticket_type="laptop", data=LAPTOP)).id
    with pytest.raises(NotFound):
        await tracking.cancel_ticket(world.b.requester.actor, tid)
    with pytest.raises(NotFound):  # someone else's ticket the requester cannot see
        await tracking.cancel_ticket(world.a.requester.actor, other)
    approve = current_task(owner, tid)
    assert approve is not None
    assignee = next(w for w in world.a.workers if w.id == approve["assigned_to"])
    with pytest.raises(Forbidden):
        await tracking.cancel_ticket(assignee.actor, tid)
    with pytest.raises(InvalidInput):
        await tracking.cancel_ticket(world.a.requester.actor, tid, reason="x" * 2001)
    assert workflow_of_ticket(owner, tid)["w_status"] == "IN_PROGRESS"
    await tracking.cancel_ticket(world.a.requester.actor, tid, reason="bought one myself")
    wf = workflow_of_ticket(owner, tid)
    assert wf["w_status"] == "CANCELLED"
    assert row(owner, "SELECT t_status FROM task_instances WHERE id = %s", approve["id"]) == {"t_status": "CANCELLED"}
    audit = row(owner, "SELECT actor_user_id, after FROM audit_log WHERE entity = 'ticket' AND entity_id = %s "
                       "AND action = 'withdrawn'", str(tid))
    assert audit == {"actor_user_id": world.a.requester.id,
                     "after": {"status": "CANCELLED", "reason": "bought one myself"}}
    assert not (await tracking.get_ticket(world.a.requester.actor, tid)).can_withdraw
    with pytest.raises(Conflict):
        await tracking.cancel_ticket(world.a.requester.actor, tid)
