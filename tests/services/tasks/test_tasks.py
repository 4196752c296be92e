"""Tasks service: completing forms (who, what, races), lists, detail, reassign, retry, availability."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count, set_flags, snapshot, task_row, workflow_of_ticket
from tests.fixtures.tenants import Member, World, add_worker
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking
from tfai.services.workflow import action_results

LAPTOP = {"model": "air-13", "price": 1200}


async def submit(world: World) -> tuple[int, int, Member, Member]:
    """A fresh laptop ticket: its id, its approve task id, the assignee and the other worker."""
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.current_task is not None
    w1, w2 = world.a.worker1, world.a.worker2
    assignee, other = (w1, w2) if created.current_task.assignee_id == w1.id else (w2, w1)
    return created.id, created.current_task.id, assignee, other


async def test_ten_concurrent_completions_one_wins(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ticket_id, task_id, assignee, _ = await submit(world)
    results = await asyncio.gather(*[work.complete_form_task(assignee.actor, task_id, output={"approved": True})
                                     for _ in range(10)], return_exceptions=True)
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1 and all(isinstance(r, Conflict) for r in results if r not in wins)
    wf = workflow_of_ticket(owner, ticket_id)
    assert count(owner, "SELECT count(*) FROM task_instances WHERE workflow_instance_id = %s", wf["id"]) == 2
    assert count(owner, "SELECT count(*) FROM outbox WHERE company_id = %s", world.a.company_id) == 1


async def test_only_the_assignee_or_admins_complete(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    _, task_id, assignee, other = await submit(world)
    before = snapshot(owner, world.a.company_id)
    with pytest.raises(NotFound):
        await work.complete_form_task(other.actor, task_id, output={"approved": True})
    with pytest.raises(Forbidden):
        await work.complete_form_task(world.a.requester.actor, task_id, output={"approved": True})
    with pytest.raises(NotFound):
        await work.complete_form_task(world.b.admin.actor, task_id, output={"approved": True})
    with pytest.raises(InvalidInput) as err:
        await work.complete_form_task(assignee.actor, task_id, output={"approved": "yes", "comment": 3})
    assert {d["field"] for d in err.value.details} == {"approved", "comment"}
    assert snapshot(owner, world.a.company_id) == before and task_row(owner, task_id)["t_status"] == "OPEN"
    done = await work.complete_form_task(world.a.ticket_admin.actor, task_id, output={"approved": False})
    assert done.workflow_status == "IN_PROGRESS" and done.next_task_id is not None
    assert task_row(owner, task_id)["completed_by"] == world.a.ticket_admin.id


async def test_actions_and_held_tickets_cannot_be_completed_by_people(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ticket_id, task_id, assignee, _ = await submit(world)
    await tracking.hold_ticket(world.a.admin.actor, ticket_id, reason="wait")
    with pytest.raises(Conflict):
        await work.complete_form_task(assignee.actor, task_id, output={"approved": True})
    await tracking.resume_ticket(world.a.admin.actor, ticket_id)
    done = await work.complete_form_task(assignee.actor, task_id, output={"approved": True})
    assert done.next_task_id is not None
    with pytest.raises(Conflict):
        await work.complete_form_task(world.a.admin.actor, done.next_task_id, output={"order_id": "x"})


async def test_lists_and_detail(world: World) -> None:
    await install(world.a)
    ids = [await submit(world) for _ in range(4)]
    mine = await work.list_tasks(world.a.worker1.actor)
    expected = [t for _, t, a, _ in ids if a.id == world.a.worker1.id]
    assert [t.id for t in mine.items] == expected and mine.total == 2
    company = await work.list_tasks(world.a.ticket_admin.actor, scope="company", assignee_id=world.a.worker2.id)
    assert company.total == 2 and all(t.assignee_id == world.a.worker2.id for t in company.items)
    assert (await work.list_tasks(world.a.admin.actor, scope="company", status="OPEN", page_size=3)).total == 4
    assert (await work.list_tasks(world.a.admin.actor, scope="company", state="archived")).total == 0
    with pytest.raises(Forbidden):
        await work.list_tasks(world.a.worker1.actor, scope="company")
    assert (await work.list_tasks(world.b.admin.actor, scope="company")).total == 0
    detail = await work.get_task(world.a.worker1.actor, expected[0])
    assert detail.input == LAPTOP and detail.output_schema and detail.edit_layout and detail.ticket_fields == LAPTOP
    with pytest.raises(NotFound):
        await work.get_task(world.a.worker2.actor, expected[0])
    with pytest.raises(NotFound):
        await work.get_task(world.b.admin.actor, expected[0])
    assert (await work.get_task(world.a.ticket_admin.actor, expected[0])).id == expected[0]


async def test_reassign(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    _, task_id, assignee, other = await submit(world)
    with pytest.raises(Forbidden):
        await work.reassign_task(assignee.actor, task_id, user_id=other.id)
    with pytest.raises(NotFound):
        await work.reassign_task(world.b.admin.actor, task_id, user_id=world.b.worker1.id)
    for bad in (world.a.requester.id, world.b.worker1.id):
        with pytest.raises(InvalidInput):
            await work.reassign_task(world.a.ticket_admin.actor, task_id, user_id=bad)
    retired = add_worker(owner, world.a)
    set_flags(owner, retired.id, is_active=False)
    with pytest.raises(InvalidInput):
        await work.reassign_task(world.a.ticket_admin.actor, task_id, user_id=retired.id)
    assert task_row(owner, task_id)["assigned_to"] == assignee.id
    await work.reassign_task(world.a.ticket_admin.actor, task_id, user_id=other.id)
    assert task_row(owner, task_id)["assigned_to"] == other.id
    await work.complete_form_task(other.actor, task_id, output={"approved": False})


async def test_retry_requires_an_error_and_steering_roles(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ticket_id, task_id, assignee, _ = await submit(world)
    with pytest.raises(Conflict):
        await work.retry_task(world.a.admin.actor, task_id)
    done = await work.complete_form_task(assignee.actor, task_id, output={"approved": True})
    assert done.next_task_id is not None
    await action_results.fail_action_task(world.a.company_id, done.next_task_id, error="timeout")
    with pytest.raises(Forbidden):
        await work.retry_task(world.a.worker1.actor, done.next_task_id)
    with pytest.raises(NotFound):
        await work.retry_task(world.b.admin.actor, done.next_task_id)
    assert task_row(owner, done.next_task_id)["t_status"] == "ERROR"
    await work.retry_task(world.a.admin.actor, done.next_task_id)
    assert task_row(owner, done.next_task_id)["t_status"] == "PENDING"
    assert workflow_of_ticket(owner, ticket_id)["hold_reason"] is None


async def test_availability_access(world: World, owner: psycopg.Connection) -> None:
    with pytest.raises(Forbidden):
        await work.set_availability(world.a.requester.actor, available=False)
    with pytest.raises(Forbidden):
        await work.set_availability(world.a.worker1.actor, user_id=world.a.worker2.id, available=False)
    with pytest.raises(NotFound):
        await work.set_availability(world.a.admin.actor, user_id=world.b.worker1.id, available=False)
    assert count(owner, "SELECT count(*) FROM users WHERE id = %s AND available", world.b.worker1.id) == 1
    await work.set_availability(world.a.worker1.actor, available=False)
    assert count(owner, "SELECT count(*) FROM users WHERE id = %s AND available", world.a.worker1.id) == 0


async def test_the_assignee_starts_a_form_task(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    _, task_id, assignee, other = await submit(world)
    before = snapshot(owner, world.a.company_id)
    with pytest.raises(NotFound):  # another worker does not see it
        await work.start_task(other.actor, task_id)
    with pytest.raises(NotFound):  # another company's admin neither
        await work.start_task(world.b.admin.actor, task_id)
    with pytest.raises(Forbidden):
        await work.start_task(world.a.requester.actor, task_id)
    assert snapshot(owner, world.a.company_id) == before
    await work.start_task(assignee.actor, task_id)
    row = task_row(owner, task_id)
    assert row["t_status"] == "IN_PROGRESS" and row["started_at"] is not None
    assert (await work.get_task(assignee.actor, task_id)).started_at == row["started_at"]
    assert count(owner, "SELECT open_tasks FROM users WHERE id = %s", assignee.id) == 1  # still counted once
    with pytest.raises(Conflict, match="Cannot start a task that is IN_PROGRESS"):
        await work.start_task(assignee.actor, task_id)
    done = await work.complete_form_task(assignee.actor, task_id, output={"approved": True})
    assert done.next_task_id is not None and task_row(owner, task_id)["t_status"] == "COMPLETED"
    with pytest.raises(Conflict, match="Cannot start a task that is COMPLETED"):
        await work.start_task(assignee.actor, task_id)
    assert count(owner, "SELECT open_tasks FROM users WHERE id = %s", assignee.id) == 0


async def test_starting_is_optional_and_reassigning_hands_over_unstarted(world: World,
                                                                          owner: psycopg.Connection) -> None:
    await install(world.a)
    _, first, assignee, other = await submit(world)
    done = await work.complete_form_task(assignee.actor, first, output={"approved": False})  # from OPEN
    assert done.next_task_id is not None and task_row(owner, first)["started_at"] is None
    _, task_id, assignee, other = await submit(world)
    await work.start_task(assignee.actor, task_id)
    await work.reassign_task(world.a.ticket_admin.actor, task_id, user_id=other.id)
    row = task_row(owner, task_id)
    assert (row["t_status"], row["assigned_to"], row["started_at"]) == ("OPEN", other.id, None)
    await work.start_task(other.actor, task_id)
    assert task_row(owner, task_id)["t_status"] == "IN_PROGRESS"


async def test_a_started_task_stays_with_a_worker_who_goes_unavailable(world: World,
                                                                        owner: psycopg.Connection) -> None:
    await install(world.a)
    tasks = [(await submit(world))[1] for _ in range(4)]
    worker = world.a.worker1
    started, still_open = [t for t in tasks if task_row(owner, t)["assigned_to"] == worker.id]
    await work.start_task(worker.actor, started)
    await work.set_availability(worker.actor, available=False)
    assert (task_row(owner, started)["assigned_to"], task_row(owner, started)["t_status"]) == (worker.id,
                                                                                              "IN_PROGRESS")
    assert task_row(owner, still_open)["assigned_to"] == world.a.worker2.id


async def test_a_held_ticket_cannot_be_started(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    ticket_id, task_id, assignee, _ = await submit(world)
    await tracking.hold_ticket(world.a.ticket_admin.actor, ticket_id, reason="budget")
    with pytest.raises(Conflict, match="on hold"):
        await work.start_task(assignee.actor, task_id)
    assert task_row(owner, task_id)["t_status"] == "OPEN"
