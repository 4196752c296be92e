"""Assigning FORM tasks to workers, serialized per company inside the caller's transaction.

Lock order (to stay free of deadlocks): task rows first (SELECT ... FOR UPDATE), then the company's
assignment lock (`lock_assignment`), then user rows. Functions that hold the assignment lock and then
touch task rows skip rows somebody else has locked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import TaskDefinition, TaskInstance, TaskStatus, TaskType, User
from tfai.db.tables.common import utcnow
from tfai.domain.assignment import WorkerLoad, choose_worker, plan_assignments

ASSIGNMENT_LOCK = 5_105  # first key of pg_advisory_xact_lock(int, int); the second is the company id

_LOADS = text("""
SELECT u.id, u.last_assigned_at, u.is_active, u.available,
       (SELECT count(*) FROM task_instances t
         WHERE t.company_id = u.company_id AND t.assigned_to = u.id
           AND t.t_status IN ('OPEN', 'IN_PROGRESS')) AS load
FROM users u
WHERE u.company_id = :cid
  AND EXISTS (SELECT 1 FROM user_system_roles r WHERE r.user_id = u.id AND r.role = 'task_worker')
""")


async def lock_assignment(session: AsyncSession, company_id: int) -> None:
    """Take the company's assignment lock until the transaction ends (re-entrant within it)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k, CAST(:cid % 2147483647 AS integer))"),
                          {"k": ASSIGNMENT_LOCK, "cid": int(company_id)})


async def worker_loads(session: AsyncSession, company_id: int) -> list[WorkerLoad]:
    """Every task worker of the company with their open load (active and available flags included)."""
    rows = (await session.execute(_LOADS, {"cid": company_id})).all()
    return [WorkerLoad(user_id=r.id, load=int(r.load), last_assigned_at=r.last_assigned_at,
                       active=bool(r.is_active), available=bool(r.available)) for r in rows]


async def _mark_assigned(session: AsyncSession, task: TaskInstance, user_id: int, now: datetime) -> None:
    task.assigned_to = user_id
    task.assigned_at = now
    task.t_status = TaskStatus.OPEN
    session.add(task)
    await session.execute(text("UPDATE users SET last_assigned_at = :now WHERE id = :uid"),
                          {"now": now, "uid": user_id})


async def assign_task(session: AsyncSession, company_id: int, task: TaskInstance) -> int | None:
    """Give a FORM task to the least-loaded available worker (OPEN), or leave it PENDING unassigned."""
    await lock_assignment(session, company_id)
    chosen = choose_worker(await worker_loads(session, company_id))
    if chosen is None:
        task.assigned_to = None
        task.assigned_at = None
        task.t_status = TaskStatus.PENDING
        session.add(task)
        await session.flush()
        return None
    await _mark_assigned(session, task, chosen.user_id, utcnow())
    await session.flush()
    return chosen.user_id


async def _waiting(session: AsyncSession, company_id: int) -> list[TaskInstance]:
    stmt = (select(TaskInstance)
            .join(TaskDefinition, col(TaskDefinition.id) == col(TaskInstance.task_definition_id))
            .where(col(TaskInstance.company_id) == company_id,
                   col(TaskInstance.t_status) == TaskStatus.PENDING,
                   col(TaskInstance.assigned_to).is_(None),
                   col(TaskDefinition.t_type) == TaskType.FORM)
            .order_by(col(TaskInstance.created_at), col(TaskInstance.id))
            .with_for_update(skip_locked=True, of=TaskInstance))
    return list((await session.execute(stmt)).scalars().all())


async def assign_pending(session: AsyncSession, company_id: int) -> int:
    """Assign waiting (PENDING, unassigned) FORM tasks oldest first to available workers; how many."""
    await lock_assignment(session, company_id)
    waiting = await _waiting(session, company_id)
    if not waiting:
        return 0
    now = utcnow()
    plan = plan_assignments(await worker_loads(session, company_id), len(waiting), now)
    for task, user_id in zip(waiting, plan, strict=False):
        await _mark_assigned(session, task, user_id, now)
    await session.flush()
    return len(plan)


async def release_user_tasks(session: AsyncSession, company_id: int, user_id: int) -> None:
    """Hand a deactivated or unavailable user's OPEN FORM tasks to others (or back to PENDING).

    IN_PROGRESS tasks stay with the user. Call after the user's flags were changed in this transaction.
    """
    await lock_assignment(session, company_id)
    stmt = (select(TaskInstance)
            .where(col(TaskInstance.company_id) == company_id, col(TaskInstance.assigned_to) == user_id,
                   col(TaskInstance.t_status) == TaskStatus.OPEN)
            .order_by(col(TaskInstance.created_at), col(TaskInstance.id))
            .with_for_update(skip_locked=True))
    tasks = list((await session.execute(stmt)).scalars().all())
    for task in tasks:
        task.assigned_to = None
        task.assigned_at = None
        task.t_status = TaskStatus.PENDING
        session.add(task)
    await session.flush()
    if tasks:
        await assign_pending(session, company_id)


async def is_assignable_worker(session: AsyncSession, user_id: int) -> bool:
    """True when the user (of the session's company) is an active task worker."""
    row = (await session.execute(
        select(User.id).where(col(User.id) == user_id, col(User.is_active).is_(True))
        .where(text("EXISTS (SELECT 1 FROM user_system_roles r WHERE r.user_id = users.id "
                    "AND r.role = 'task_worker')")))).first()
    return row is not None
