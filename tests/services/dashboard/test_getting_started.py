"""The first-steps checklist (until done) and the count of tasks waiting for a worker, per company, admins only."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import set_flags
from tests.fixtures.tenants import World
from tfai.domain.errors import Forbidden
from tfai.services.dashboard.getting_started import getting_started
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


async def test_the_checklist_follows_the_data_and_disappears_when_done(world: World,
                                                                       owner: psycopg.Connection) -> None:
    a = world.a
    first = await getting_started(a.admin.actor)
    assert {s.key: s.done for s in first.steps} == {"invite_worker": True, "add_workflow": False,
                                                   "first_ticket": False}
    assert [s.href for s in first.steps] == ["/admin/users", "/assistant", "/tickets/new"]
    await install(a)
    assert {s.key: s.done for s in (await getting_started(a.admin.actor)).steps}["add_workflow"] is True
    await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert (await getting_started(a.admin.actor)).steps == []
    # Company b has done nothing of it: a's data does not count there.
    assert [s.done for s in (await getting_started(world.b.admin.actor)).steps] == [True, False, False]


async def test_tasks_waiting_for_a_worker_are_counted(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a)
    for worker in a.workers:
        set_flags(owner, worker.id, available=False)
    await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
    await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
    seen = await getting_started(a.admin.actor)
    assert (seen.waiting_tasks, seen.available_workers) == (2, 0)
    assert (await getting_started(world.b.admin.actor)).waiting_tasks == 0


async def test_only_admins_see_it(world: World) -> None:
    for who in (world.a.requester, world.a.worker1, world.a.ticket_admin):
        with pytest.raises(Forbidden):
            await getting_started(who.actor)
