"""A form no available worker could take is never a dead end: an admin takes it or completes it while PENDING."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import set_flags, task_row, workflow_of_ticket
from tests.fixtures.tenants import Tenant, World
from tfai.domain.errors import InvalidInput, NotFound
from tfai.domain.policy import TASK_WORKER, Actor
from tfai.services.tasks import work
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


async def _waiting(owner: psycopg.Connection, tenant: Tenant) -> tuple[int, int]:
    """A laptop ticket whose first form waits: every worker of the tenant is unavailable. (ticket id, task id)"""
    await install(tenant)
    for worker in tenant.workers:
        set_flags(owner, worker.id, available=False)
    created = await submission.submit_ticket(tenant.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.current_task is not None and created.current_task.status == "PENDING"
    assert created.current_task.assignee_id is None
    return created.id, created.current_task.id


def _admin_who_works(owner: psycopg.Connection, tenant: Tenant) -> Actor:
    owner.execute("INSERT INTO user_system_roles (user_id, role, company_id) VALUES (%s, %s, %s)",
                  (tenant.admin.id, TASK_WORKER, tenant.company_id))
    actor = tenant.admin.actor
    return replace(actor, system_roles=actor.system_roles | {TASK_WORKER})


async def test_an_admin_who_is_a_worker_assigns_a_waiting_form_to_themselves(world: World,
                                                                            owner: psycopg.Connection) -> None:
    a = world.a
    _, task_id = await _waiting(owner, a)
    admin = _admin_who_works(owner, a)
    with pytest.raises(NotFound):  # another company's admin does not see the task
        await work.reassign_task(world.b.admin.actor, task_id, user_id=world.b.admin.id)
    await work.reassign_task(admin, task_id, user_id=admin.user_id)
    row = task_row(owner, task_id)
    assert (row["t_status"], row["assigned_to"]) == ("OPEN", a.admin.id)


async def test_an_admin_who_is_no_worker_cannot_take_it(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    _, task_id = await _waiting(owner, a)
    with pytest.raises(InvalidInput) as info:
        await work.reassign_task(a.ticket_admin.actor, task_id, user_id=a.ticket_admin.id)
    assert info.value.details == [{"field": "user_id", "message": "not an active task worker"}]
    assert task_row(owner, task_id)["t_status"] == "PENDING"


async def test_an_admin_completes_a_waiting_form_and_the_ticket_moves_on(world: World,
                                                                         owner: psycopg.Connection) -> None:
    a = world.a
    ticket_id, task_id = await _waiting(owner, a)
    with pytest.raises(NotFound):
        await work.complete_form_task(world.b.admin.actor, task_id, output={"approved": False})
    assert task_row(owner, task_id)["t_status"] == "PENDING"
    done = await work.complete_form_task(a.ticket_admin.actor, task_id, output={"approved": False})
    row = task_row(owner, task_id)
    assert (row["t_status"], row["completed_by"]) == ("COMPLETED", a.ticket_admin.id)
    assert done.next_task_id is not None and done.workflow_status == "IN_PROGRESS"
    assert workflow_of_ticket(owner, ticket_id)["w_status"] == "IN_PROGRESS"
