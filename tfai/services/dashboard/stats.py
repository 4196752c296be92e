"""Dashboard numbers as SQL aggregates: company charts for ticket admins, personal charts for everyone."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy import text

from tfai.domain import policy
from tfai.domain.errors import InvalidInput
from tfai.domain.lifecycle import ACTIVE_WORKFLOW, OPEN_TASK, TaskStatus, WorkflowStatus, sql_in, sql_value
from tfai.domain.policy import Action, Actor
from tfai.services.common.tx import actor_tx

DEFAULT_DAYS = 30
MAX_DAYS = 90
MAX_WORKERS = 20
MAX_WORKFLOWS = 20


class DayCountsDTO(BaseModel):
    """One UTC day of a chart: tickets opened and closed (company or mine), tasks I finished."""

    day: date
    opened: int = 0
    closed: int = 0
    tasks_done: int = 0


class WorkerLoadDTO(BaseModel):
    """Open tasks (OPEN, IN_PROGRESS, PENDING) assigned to one worker; user_id None = unassigned."""

    user_id: int | None
    name: str
    open_tasks: int


class WorkflowDurationDTO(BaseModel):
    """Median time from start to completion of one workflow's instances completed in the window."""

    workflow_key: str
    title: str
    completed: int
    median_hours: float


class CompanyStatsDTO(BaseModel):
    days: int
    per_day: list[DayCountsDTO]
    open_tasks_per_worker: list[WorkerLoadDTO]
    completion_per_workflow: list[WorkflowDurationDTO]


class MyStatsDTO(BaseModel):
    days: int
    per_day: list[DayCountsDTO]
    open_tickets: int
    open_tasks: int


def _check_days(days: int) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("Invalid period", details=[{"field": "days", "message": f"Between 1 and {MAX_DAYS}"}])
    return days


# The window: `days` UTC days ending today. Closed = the ticket's workflow completed or cancelled that day.
_DAYS_CTE = """
WITH d AS (
  SELECT generate_series((now() AT TIME ZONE 'UTC')::date - (:days - 1), (now() AT TIME ZONE 'UTC')::date,
                         interval '1 day')::date AS day
)
"""

_COMPANY_PER_DAY = text(_DAYS_CTE + """,
o AS (SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM ticket_instances t
      WHERE t.company_id = :cid AND t.created_at >= (now() AT TIME ZONE 'UTC')::date - (:days - 1)
      GROUP BY 1),
c AS (SELECT (w.completed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
      FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
      WHERE t.company_id = :cid AND w.completed_at IS NOT NULL
        AND w.completed_at >= (now() AT TIME ZONE 'UTC')::date - (:days - 1)
      GROUP BY 1)
SELECT d.day, coalesce(o.n, 0) AS opened, coalesce(c.n, 0) AS closed
FROM d LEFT JOIN o ON o.day = d.day LEFT JOIN c ON c.day = d.day ORDER BY d.day
""")

_WORKER_LOAD = text(f"""
SELECT k.assigned_to AS user_id, u.first_name, u.last_name, u.email, count(*) AS open_tasks
FROM task_instances k LEFT JOIN users u ON u.id = k.assigned_to
WHERE k.company_id = :cid AND k.t_status IN {sql_in(OPEN_TASK)}
GROUP BY k.assigned_to, u.first_name, u.last_name, u.email
ORDER BY count(*) DESC, u.email NULLS LAST LIMIT :lim
""")

_WORKFLOW_MEDIAN = text(f"""
SELECT wd.key AS workflow_key, max(wd.title) AS title, count(*) AS completed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM w.completed_at - w.created_at)) AS median_s
FROM workflow_instances w JOIN workflow_definitions wd ON wd.id = w.workflow_definition_id
WHERE w.company_id = :cid AND w.w_status = {sql_value(WorkflowStatus.COMPLETED)} AND w.completed_at IS NOT NULL
  AND w.completed_at >= (now() AT TIME ZONE 'UTC')::date - (:days - 1)
GROUP BY wd.key ORDER BY count(*) DESC, wd.key LIMIT :lim
""")

_MY_PER_DAY = text(_DAYS_CTE + f""",
o AS (SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM ticket_instances t
      WHERE t.company_id = :cid AND t.created_by = :uid
        AND t.created_at >= (now() AT TIME ZONE 'UTC')::date - (:days - 1)
      GROUP BY 1),
c AS (SELECT (w.completed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
      FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
      WHERE t.company_id = :cid AND t.created_by = :uid AND w.completed_at IS NOT NULL
        AND w.completed_at >= (now() AT TIME ZONE 'UTC')::date - (:days - 1)
      GROUP BY 1),
k AS (SELECT (k.completed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM task_instances k
      WHERE k.company_id = :cid AND k.completed_by = :uid AND k.t_status = {sql_value(TaskStatus.COMPLETED)}
        AND k.completed_at >= (now() AT TIME ZONE 'UTC')::date - (:days - 1)
      GROUP BY 1)
SELECT d.day, coalesce(o.n, 0) AS opened, coalesce(c.n, 0) AS closed, coalesce(k.n, 0) AS tasks_done
FROM d LEFT JOIN o ON o.day = d.day LEFT JOIN c ON c.day = d.day LEFT JOIN k ON k.day = d.day ORDER BY d.day
""")

_MY_OPEN = text(f"""
SELECT
  (SELECT count(*) FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
   WHERE t.company_id = :cid AND t.created_by = :uid AND w.w_status IN {sql_in(ACTIVE_WORKFLOW)})
    AS open_tickets,
  (SELECT count(*) FROM task_instances k
   WHERE k.company_id = :cid AND k.assigned_to = :uid AND k.t_status IN {sql_in(OPEN_TASK)})
    AS open_tasks
""")


def _name(first: str | None, last: str | None, email: str | None) -> str:
    full = f"{first or ''} {last or ''}".strip()
    return full or email or "unassigned"


async def company_stats(actor: Actor, *, days: int = DEFAULT_DAYS) -> CompanyStatsDTO:
    """Tickets opened/closed per day, open tasks per worker, median completion per workflow (ticket admins)."""
    policy.require(actor, Action.TICKET_LIST_COMPANY)
    days = _check_days(days)
    params = {"cid": actor.company_id, "days": days}
    async with actor_tx(actor) as session:
        per_day = (await session.execute(_COMPANY_PER_DAY, params)).mappings().all()
        load = (await session.execute(_WORKER_LOAD, {**params, "lim": MAX_WORKERS})).mappings().all()
        medians = (await session.execute(_WORKFLOW_MEDIAN, {**params, "lim": MAX_WORKFLOWS})).mappings().all()
    return CompanyStatsDTO(
        days=days,
        per_day=[DayCountsDTO(day=r["day"], opened=r["opened"], closed=r["closed"]) for r in per_day],
        open_tasks_per_worker=[WorkerLoadDTO(user_id=r["user_id"], open_tasks=r["open_tasks"],
                                             name=_name(r["first_name"], r["last_name"], r["email"]))
                               for r in load],
        completion_per_workflow=[WorkflowDurationDTO(workflow_key=r["workflow_key"], title=r["title"],
                                                     completed=r["completed"],
                                                     median_hours=round(float(r["median_s"] or 0) / 3600, 2))
                                 for r in medians],
    )


async def my_stats(actor: Actor, *, days: int = DEFAULT_DAYS) -> MyStatsDTO:
    """My tickets opened/closed and my tasks done per day, plus what is open now (every member)."""
    policy.require(actor, Action.TICKET_READ)
    days = _check_days(days)
    params = {"cid": actor.company_id, "uid": actor.user_id, "days": days}
    async with actor_tx(actor) as session:
        per_day = (await session.execute(_MY_PER_DAY, params)).mappings().all()
        now = (await session.execute(_MY_OPEN, params)).mappings().one()
    return MyStatsDTO(days=days, per_day=[DayCountsDTO(**dict(r)) for r in per_day],
                      open_tickets=now["open_tickets"], open_tasks=now["open_tasks"])
