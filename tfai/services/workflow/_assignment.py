"""Assigning FORM tasks to workers, serialized per company inside the caller's transaction.

Every user's `open_tasks` (OPEN + IN_PROGRESS tasks assigned to them) is kept here, in the caller's transaction and
always under the company's assignment lock, so picking the least-loaded worker is one indexed probe of
`ix_users_assignable` instead of counting tasks.

Lock order (to stay free of deadlocks): task rows first (SELECT ... FOR UPDATE), then the company's assignment lock
(`lock_assignment`), then user rows. Every change of a user's counter takes the company lock first (re-entrant).
Functions that hold the assignment lock and then touch task rows skip rows somebody else has locked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from tfai.db.tables import TaskDefinition, TaskInstance, TaskType, User
from tfai.db.tables.common import utcnow
from tfai.domain.lifecycle import COUNTED_TASK, TaskEvent, TaskStatus, next_task_status, sql_value

ASSIGNMENT_LOCK = 5_105  # first key of pg_advisory_xact_lock(int, int); the second is the company id
_ASSIGNED = next_task_status(TaskStatus.PENDING, TaskEvent.ASSIGN)
_HELD = "tfai.assignment_lock"  # session.info: (root transaction, company id) whose lock is held

# The least-loaded assignable worker (fewest open tasks, then least recently assigned, never first, then lowest id)
# gets +1 and the task, in one statement. Nothing comes back when nobody is active, available and a task worker.
# NO KEY UPDATE, never FOR UPDATE: a transaction that references the user (completed_by, created_by) holds a KEY SHARE
# lock on the row and may be waiting for the company lock we hold; FOR UPDATE would wait for it (deadlock).
_ASSIGN = text(f"""
WITH w AS (
  UPDATE users SET open_tasks = open_tasks + 1, last_assigned_at = :now
   WHERE id = (SELECT id FROM users WHERE company_id = :cid AND is_active AND available AND is_worker
                ORDER BY open_tasks, last_assigned_at NULLS FIRST, id LIMIT 1 FOR NO KEY UPDATE)
  RETURNING id, email)
UPDATE task_instances t SET assigned_to = w.id, assigned_at = :now, t_status = {sql_value(_ASSIGNED)}
  FROM w WHERE t.id = :tid
RETURNING w.id, w.email
""")
_RELEASE = text("UPDATE users SET open_tasks = GREATEST(open_tasks - :n, 0) WHERE id = :uid")
_TAKE = text("UPDATE users SET open_tasks = open_tasks + 1, last_assigned_at = :now WHERE id = :uid")


async def lock_assignment(session: AsyncSession, company_id: int) -> None:
    """Take the company's assignment lock until the transaction ends (re-entrant within it; a second call in the
    same transaction costs no round trip; never take it inside a savepoint that may roll back)."""
    held = (session.sync_session.get_transaction(), int(company_id))
    if held[0] is not None and session.info.get(_HELD) == held:
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:k, CAST(:cid % 2147483647 AS integer))"),
                          {"k": ASSIGNMENT_LOCK, "cid": int(company_id)})
    session.info[_HELD] = held


def counted_owner(status: TaskStatus, assigned_to: int | None) -> int | None:
    """The user whose open_tasks counts a task in this state, if any."""
    return assigned_to if assigned_to is not None and status in COUNTED_TASK else None


async def release_load(session: AsyncSession, company_id: int, owners: Iterable[int | None]) -> None:
    """Each listed user (None skipped, repeats add up) has one open task fewer; takes the company lock."""
    counts = Counter(u for u in owners if u is not None)
    if not counts:
        return
    await lock_assignment(session, company_id)
    for uid, n in sorted(counts.items()):
        await session.execute(_RELEASE, {"n": n, "uid": uid})


async def take_load(session: AsyncSession, company_id: int, user_id: int, now: datetime) -> None:
    """The user has one more open task, assigned now; takes the company lock."""
    await lock_assignment(session, company_id)
    await session.execute(_TAKE, {"now": now, "uid": user_id})


async def _assign_one(session: AsyncSession, company_id: int, task: TaskInstance,
                      now: datetime) -> tuple[int, str] | None:
    row = (await session.execute(_ASSIGN, {"cid": company_id, "tid": task.id, "now": now})).first()
    if row is None:
        return None
    # The row was written by _ASSIGN: record the values as loaded so the ORM does not write them again.
    set_committed_value(task, "assigned_to", int(row[0]))
    set_committed_value(task, "assigned_at", now)
    set_committed_value(task, "t_status", _ASSIGNED)
    return int(row[0]), str(row[1])


async def assign_task_email(session: AsyncSession, company_id: int, task: TaskInstance) -> tuple[int, str] | None:
    """Give a waiting (PENDING) FORM task to the least-loaded available worker (OPEN), or leave it waiting;
    (user id, email) of the assignee. The task row must exist (flushed)."""
    assert task.t_status == TaskStatus.PENDING, "only a waiting task is assigned automatically"
    if task.assigned_to is not None:  # a retried task forgets the worker it had (PENDING is never counted)
        task.assigned_to, task.assigned_at = None, None
        session.add(task)
        await session.flush()
    await lock_assignment(session, company_id)
    return await _assign_one(session, company_id, task, utcnow())


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
    now = utcnow()
    done = 0
    for task in waiting:
        if await _assign_one(session, company_id, task, now) is None:
            break
        done += 1
    return done


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
        task.t_status = next_task_status(task.t_status, TaskEvent.UNASSIGN)
        task.assigned_to, task.assigned_at = None, None
        session.add(task)
    await session.flush()
    if tasks:
        await release_load(session, company_id, [user_id] * len(tasks))
        await assign_pending(session, company_id)


async def is_assignable_worker(session: AsyncSession, user_id: int) -> bool:
    """True when the user (of the session's company) is an active task worker."""
    row = (await session.execute(
        select(User.id).where(col(User.id) == user_id, col(User.is_active).is_(True),
                              col(User.is_worker).is_(True)))).first()
    return row is not None
