"""Stats service: company charts for ticket admins, my numbers for everyone, one company at a time."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count, workflow_of_ticket
from tests.fixtures.tenants import World
from tfai.domain.errors import Forbidden, InvalidInput
from tfai.services.dashboard import stats
from tfai.services.tasks import work
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


async def _two_tickets_one_closed(world: World, owner: psycopg.Connection) -> tuple[Any, Any]:
    """Two laptop tickets by a's requester; the first one's workflow completed 3 hours after it started."""
    await install(world.a)
    first = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    second = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    wf = workflow_of_ticket(owner, first.id)
    owner.execute("UPDATE workflow_instances SET w_status = 'COMPLETED', created_at = now() - interval '3 hours', "
                  "completed_at = now() WHERE id = %s", (wf["id"],))
    owner.execute("UPDATE task_instances SET t_status = 'COMPLETED', completed_at = now() "
                  "WHERE workflow_instance_id = %s", (wf["id"],))
    return first, second


async def test_company_stats_aggregate_the_company(world: World, owner: psycopg.Connection) -> None:
    await _two_tickets_one_closed(world, owner)
    for actor in (world.a.admin.actor, world.a.ticket_admin.actor):
        dto = await stats.company_stats(actor)
        assert dto.days == 30 and len(dto.per_day) == 30
        assert dto.per_day[-1].opened == 2 and dto.per_day[-1].closed == 1
        assert sum(d.opened for d in dto.per_day) == 2 and sum(d.closed for d in dto.per_day) == 1
        assert [d.day for d in dto.per_day] == sorted(d.day for d in dto.per_day)
        open_now = count(owner, "SELECT count(*) FROM task_instances WHERE company_id = %s "
                                "AND t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING')", world.a.company_id)
        assert open_now == 1 and sum(w.open_tasks for w in dto.open_tasks_per_worker) == open_now
        assert {w.user_id for w in dto.open_tasks_per_worker} <= {world.a.worker1.id, world.a.worker2.id, None}
        assert len(dto.completion_per_workflow) == 1
        med = dto.completion_per_workflow[0]
        assert med.completed == 1 and med.median_hours == pytest.approx(3.0, abs=0.01)


async def test_company_stats_never_count_another_company(world: World, owner: psycopg.Connection) -> None:
    await _two_tickets_one_closed(world, owner)
    dto = await stats.company_stats(world.b.admin.actor)
    assert sum(d.opened + d.closed for d in dto.per_day) == 0
    assert dto.open_tasks_per_worker == [] and dto.completion_per_workflow == []
    mine = await stats.my_stats(world.b.requester.actor)
    assert sum(d.opened + d.closed + d.tasks_done for d in mine.per_day) == 0
    assert mine.open_tickets == 0 and mine.open_tasks == 0


async def test_company_stats_are_for_ticket_admins_only(world: World) -> None:
    for member in (world.a.requester, world.a.worker1, world.a.designer):
        with pytest.raises(Forbidden):
            await stats.company_stats(member.actor)


async def test_my_stats_count_my_tickets_and_my_finished_tasks(world: World, owner: psycopg.Connection) -> None:
    _, second = await _two_tickets_one_closed(world, owner)
    mine = await stats.my_stats(world.a.requester.actor)
    assert len(mine.per_day) == 30 and mine.per_day[-1].opened == 2 and mine.per_day[-1].closed == 1
    assert mine.open_tickets == 1 and mine.open_tasks == 0
    assert await stats.my_stats(world.a.designer.actor) == stats.MyStatsDTO(
        days=30, per_day=[stats.DayCountsDTO(day=d.day) for d in mine.per_day], open_tickets=0, open_tasks=0)

    detail = second
    assert detail.current_task is not None and detail.current_task.assignee_id is not None
    worker = world.a.worker1 if detail.current_task.assignee_id == world.a.worker1.id else world.a.worker2
    before = await stats.my_stats(worker.actor)
    assert before.open_tasks == 1 and sum(d.tasks_done for d in before.per_day) == 0
    await work.complete_form_task(worker.actor, detail.current_task.id, output={"approved": True})
    after = await stats.my_stats(worker.actor)
    assert after.per_day[-1].tasks_done == 1


async def test_the_period_is_bounded(world: World) -> None:
    for days in (0, -1, 91, True):
        with pytest.raises(InvalidInput) as err:
            await stats.my_stats(world.a.requester.actor, days=days)
        assert err.value.details[0]["field"] == "days"
    week = await stats.company_stats(world.a.admin.actor, days=7)
    assert len(week.per_day) == 7
