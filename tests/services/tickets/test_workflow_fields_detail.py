"""Workflow fields at run time: a real ticket starts from the defaults, `set` writes them, the detail shows them."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import task_row, workflow_of_ticket
from tests.fixtures.tenants import World, worker_actor
from tfai.domain.errors import NotFound
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking
from tfai.services.workflow import action_results

CLAIM = {"amount": 300, "currency": "EUR", "category": "travel", "description": "Train"}


async def _approved_by_manager(world: World, owner: psycopg.Connection) -> int:
    a = world.a
    await install(a, "expense-reimbursement.json")
    created = await submission.submit_ticket(a.requester.actor, ticket_type="expense", data=CLAIM)
    assert workflow_of_ticket(owner, created.id)["workflow_data"]["workflow"] == {"stage": "policy check",
                                                                                  "approvals": 0}
    assert created.current_task is not None
    await action_results.complete_action_task(a.company_id, created.current_task.id, output={"compliant": True})
    wf = workflow_of_ticket(owner, created.id)
    row = owner.execute("SELECT max(id) FROM task_instances WHERE workflow_instance_id = %s", (wf["id"],)).fetchone()
    assert row is not None
    approval = task_row(owner, row[0])
    assert approval["key"] == "manager_approval"
    await work.complete_form_task(worker_actor(a, approval["assigned_to"]), approval["id"],
                                  output={"approved": True})
    return created.id


async def test_set_writes_the_fields_and_the_detail_shows_them(world: World, owner: psycopg.Connection) -> None:
    ticket_id = await _approved_by_manager(world, owner)
    assert workflow_of_ticket(owner, ticket_id)["workflow_data"]["workflow"] == {"stage": "manager approval",
                                                                                 "approvals": 1}
    seen = await tracking.get_ticket(world.a.ticket_admin.actor, ticket_id)
    assert seen.workflow_fields == {"stage": "manager approval", "approvals": 1}
    assert seen.workflow_fields_schema is not None
    assert seen.workflow_fields_schema["properties"]["approvals"]["type"] == "integer"
    assert seen.workflow_display_layout == {"sections": [{"title": "Progress", "fields": ["stage", "approvals"]}]}
    mine = await tracking.get_ticket(world.a.requester.actor, ticket_id)
    assert mine.workflow_fields == {} and mine.workflow_fields_schema is None


async def test_rest_detail_carries_the_fields(world: World, owner: psycopg.Connection, api: httpx.AsyncClient,
                                              auth_headers) -> None:  # type: ignore[no-untyped-def]
    ticket_id = await _approved_by_manager(world, owner)
    body = (await api.get(f"/api/v1/tickets/{ticket_id}", headers=auth_headers(world.a.admin))).json()
    assert body["workflow_fields"] == {"stage": "manager approval", "approvals": 1}
    assert body["workflow_display_layout"]["sections"][0]["title"] == "Progress"
    hidden = await api.get(f"/api/v1/tickets/{ticket_id}", headers=auth_headers(world.b.admin))
    assert hidden.status_code == 404


async def test_another_company_cannot_read_them(world: World, owner: psycopg.Connection) -> None:
    ticket_id = await _approved_by_manager(world, owner)
    with pytest.raises(NotFound):
        await tracking.get_ticket(world.b.admin.actor, ticket_id)
