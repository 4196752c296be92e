"""Losing the task_worker role hands OPEN tasks on, as deactivation does; gaining it takes waiting ones."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.db_rows import set_flags, ticket_with_task
from tests.fixtures.tenants import World
from tfai.domain.errors import NotFound
from tfai.services.accounts import users


def _task(owner: psycopg.Connection, task_id: int) -> tuple[int | None, str]:
    got = owner.execute("SELECT assigned_to, t_status::text FROM task_instances WHERE id = %s", (task_id,)).fetchone()
    assert got is not None
    return got[0], got[1]


async def test_removing_the_worker_role_hands_open_tasks_on(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    _, open_task = ticket_with_task(owner, a.company_id, created_by=a.requester.id, assigned_to=a.worker1.id)
    _, started = ticket_with_task(owner, a.company_id, created_by=a.requester.id, assigned_to=a.worker1.id,
                                  t_status="IN_PROGRESS")
    changed = await users.update_user(a.admin.actor, a.worker1.id, system_roles=["user"])
    assert changed.system_roles == ["user"]
    assert _task(owner, open_task) == (a.worker2.id, "OPEN")
    assert _task(owner, started) == (a.worker1.id, "IN_PROGRESS")  # started work stays, as with deactivation


async def test_without_any_worker_the_task_waits_and_a_new_worker_takes_it(world: World,
                                                                           owner: psycopg.Connection) -> None:
    a = world.a
    set_flags(owner, a.worker2.id, available=False)
    _, task = ticket_with_task(owner, a.company_id, created_by=a.requester.id, assigned_to=a.worker1.id)
    await users.update_user(a.admin.actor, a.worker1.id, system_roles=["user"])
    assert _task(owner, task) == (None, "PENDING")
    await users.update_user(a.admin.actor, a.requester.id, system_roles=["user", "task_worker"])
    assert _task(owner, task) == (a.requester.id, "OPEN")


async def test_another_companys_user_is_not_found(world: World, owner: psycopg.Connection) -> None:
    _, task = ticket_with_task(owner, world.a.company_id, created_by=world.a.requester.id,
                               assigned_to=world.a.worker1.id)
    with pytest.raises(NotFound):
        await users.update_user(world.b.admin.actor, world.a.worker1.id, system_roles=["user"])
    assert _task(owner, task) == (world.a.worker1.id, "OPEN")
