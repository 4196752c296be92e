"""Assignment in the database: even spread, availability, waiting tasks, and concurrent submissions."""

from __future__ import annotations

import asyncio

import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count, loads, set_flags, task_row
from tests.fixtures.tenants import World, add_worker
from tfai.services.tasks import work
from tfai.services.tickets import submission

LAPTOP = {"model": "pro-14", "price": 2000}


async def submit(world: World) -> int:
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.current_task is not None
    return created.current_task.id


async def test_99_tasks_over_3_workers_end_33_each(world: World, owner: psycopg.Connection) -> None:
    add_worker(owner, world.a)
    await install(world.a)
    for _ in range(99):
        await submit(world)
    assert sorted(loads(owner, world.a.company_id).values()) == [33, 33, 33]
    assert loads(owner, world.b.company_id) == {world.b.worker1.id: 0, world.b.worker2.id: 0}


async def test_ties_go_to_the_least_recently_assigned(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    first = task_row(owner, await submit(world))["assigned_to"]
    second = task_row(owner, await submit(world))["assigned_to"]
    assert {first, second} == {world.a.worker1.id, world.a.worker2.id}
    third = task_row(owner, await submit(world))["assigned_to"]
    assert third == first


async def test_unavailable_and_deactivated_workers_get_nothing(world: World, owner: psycopg.Connection) -> None:
    third = add_worker(owner, world.a)
    set_flags(owner, world.a.worker1.id, available=False)
    set_flags(owner, third.id, is_active=False)
    await install(world.a)
    for _ in range(4):
        await submit(world)
    got = loads(owner, world.a.company_id)
    assert got[world.a.worker2.id] == 4 and got[world.a.worker1.id] == 0 and got[third.id] == 0


async def test_pending_task_goes_to_the_first_worker_who_becomes_available(
        world: World, owner: psycopg.Connection) -> None:
    for w in world.a.workers:
        set_flags(owner, w.id, available=False)
    await install(world.a)
    ids = [await submit(world), await submit(world)]
    assert [task_row(owner, i)["t_status"] for i in ids] == ["PENDING", "PENDING"]
    assert all(task_row(owner, i)["assigned_to"] is None for i in ids)
    await work.set_availability(world.a.worker2.actor, available=True)
    rows = [task_row(owner, i) for i in ids]
    assert [(r["t_status"], r["assigned_to"]) for r in rows] == [("OPEN", world.a.worker2.id)] * 2
    assert count(owner, "SELECT count(*) FROM users WHERE id = %s AND last_assigned_at IS NOT NULL",
                 world.a.worker2.id) == 1


async def test_going_unavailable_releases_open_tasks(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ids = [await submit(world) for _ in range(4)]
    mine = [i for i in ids if task_row(owner, i)["assigned_to"] == world.a.worker1.id]
    assert len(mine) == 2
    await work.set_availability(world.a.worker1.actor, available=False)
    assert all(task_row(owner, i)["assigned_to"] == world.a.worker2.id for i in ids)
    await work.set_availability(world.a.worker2.actor, available=False)
    assert all(task_row(owner, i)["t_status"] == "PENDING" for i in ids)
    await work.set_availability(world.a.admin.actor, user_id=world.a.worker1.id, available=True)
    assert all(task_row(owner, i)["assigned_to"] == world.a.worker1.id for i in ids)


async def test_twenty_concurrent_submissions_stay_balanced(world: World, owner: psycopg.Connection) -> None:
    add_worker(owner, world.a)
    await install(world.a)
    created = await asyncio.gather(*[submit(world) for _ in range(20)])
    assert len(set(created)) == 20
    values = list(loads(owner, world.a.company_id).values())
    assert sum(values) == 20 and max(values) - min(values) <= 1
