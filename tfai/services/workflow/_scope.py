"""Reads and cancels of the task instances of one running workflow (the ticket's, or a CALL's child), in the
caller's transaction: which branches are alive, pending joins, for_each groups, child workflows.

A *scope* is a workflow instance that runs tasks: the ticket's own (tasks with `call_workflow_id` NULL) or a child
started by a CALL (tasks with `call_workflow_id` = the child; their `workflow_instance_id` stays the ticket's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import TaskDefinition, TaskInstance, TaskType, WorkflowInstance
from tfai.domain.lifecycle import (
    ACTIVE_TASK,
    ACTIVE_WORKFLOW,
    COUNTED_TASK,
    TaskStatus,
    WorkflowStatus,
    sql_in,
    sql_value,
)
from tfai.services.workflow import _timers
from tfai.services.workflow._assignment import release_load

# SKIP LOCKED: the caller holds the ticket's workflow row; a task row somebody else locked belongs to a transaction
# that is waiting for that workflow row (completing it), so waiting for it here would deadlock. That task completes
# after us and finds its branch, group or join already finished (a late arrival, ignored).
_CANCEL_IDS = text(f"""
WITH old AS (SELECT id, company_id, assigned_to, t_status IN {sql_in(COUNTED_TASK)} AS counted
               FROM task_instances WHERE id = ANY(:ids)
                AND t_status IN {sql_in(ACTIVE_TASK)} FOR UPDATE SKIP LOCKED)
UPDATE task_instances t SET t_status = {sql_value(TaskStatus.CANCELLED)}, completed_at = now()
  FROM old WHERE t.id = old.id
RETURNING t.id, old.company_id, old.assigned_to, old.counted
""")
# Child workflows of CALL tasks that are no longer running (cancelled, or their ticket cancelled): cancelled too.
_CANCEL_CHILDREN = text(f"""
UPDATE workflow_instances w SET w_status = {sql_value(WorkflowStatus.CANCELLED)}, completed_at = now(),
       updated_at = now()
  FROM task_instances p
 WHERE w.parent_task_instance_id = p.id AND p.workflow_instance_id = :root
   AND p.t_status = {sql_value(TaskStatus.CANCELLED)} AND w.w_status IN {sql_in(ACTIVE_WORKFLOW)}
RETURNING w.id
""")


@dataclass(frozen=True)
class Live:
    """An active task instance of a scope with its definition's key and type."""

    task: TaskInstance
    key: str
    t_type: TaskType


def scope_id(task: TaskInstance) -> int:
    """The workflow instance a task runs in: its CALL child, or the ticket's workflow."""
    return task.call_workflow_id if task.call_workflow_id is not None else task.workflow_instance_id


async def ticket_workflow_id(session: AsyncSession, wi: WorkflowInstance) -> int:
    """The ticket's workflow instance of a scope: itself, or (for a CALL's child) its parent task's."""
    if wi.parent_task_instance_id is None:
        return wi.id or 0
    row = (await session.execute(select(col(TaskInstance.workflow_instance_id))
                                 .where(col(TaskInstance.id) == wi.parent_task_instance_id))).first()
    return int(row[0]) if row is not None else wi.id or 0


def _in_scope(root_id: int, wi: WorkflowInstance) -> list[Any]:
    child = None if wi.parent_task_instance_id is None else wi.id
    scope = col(TaskInstance.call_workflow_id).is_(None) if child is None \
        else col(TaskInstance.call_workflow_id) == child
    return [col(TaskInstance.workflow_instance_id) == root_id, scope]


async def live_tasks(session: AsyncSession, root_id: int, wi: WorkflowInstance) -> list[Live]:
    """The active task instances of a scope, oldest first."""
    stmt = (select(TaskInstance, col(TaskDefinition.key), col(TaskDefinition.t_type))
            .join(TaskDefinition, col(TaskDefinition.id) == col(TaskInstance.task_definition_id))
            .where(*_in_scope(root_id, wi), col(TaskInstance.t_status).in_(ACTIVE_TASK))
            .order_by(col(TaskInstance.id)))
    rows = (await session.execute(stmt.execution_options(populate_existing=True))).all()
    return [Live(t, str(k), TaskType(t_type)) for t, k, t_type in rows]


async def newest_of(session: AsyncSession, root_id: int, wi: WorkflowInstance,
                    task_definition_id: int) -> TaskInstance | None:
    """The newest instance of a task definition in a scope (a JOIN's current or last round)."""
    stmt = (select(TaskInstance).where(*_in_scope(root_id, wi),
                                       col(TaskInstance.task_definition_id) == task_definition_id)
            .order_by(col(TaskInstance.id).desc()).limit(1))
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()


async def group_members(session: AsyncSession, group_id: int) -> list[TaskInstance]:
    """The instances of a for_each group in item order."""
    stmt = select(TaskInstance).where(col(TaskInstance.group_id) == group_id).order_by(col(TaskInstance.item_index))
    return list((await session.execute(stmt.execution_options(populate_existing=True))).scalars().all())


async def cancel_tasks(session: AsyncSession, root_id: int, ids: list[int]) -> list[int]:
    """Cancel these active tasks (skipping rows others hold) and the child workflows of cancelled CALL tasks; the
    ids cancelled."""
    if not ids:
        return []
    rows = (await session.execute(_CANCEL_IDS, {"ids": ids})).all()
    if rows:
        await release_load(session, int(rows[0].company_id), [r.assigned_to for r in rows if r.counted])
    await _timers.cancel_for_tasks(session, [int(r.id) for r in rows])
    await cancel_children(session, root_id)
    return [int(r.id) for r in rows]


async def cancel_children(session: AsyncSession, root_id: int) -> None:
    """Cancel the still running child workflows whose CALL task was cancelled, and their tasks (nested children
    included: every task of a ticket carries the ticket's workflow id)."""
    while True:
        children = [int(r[0]) for r in (await session.execute(_CANCEL_CHILDREN, {"root": root_id})).all()]
        if not children:
            return
        open_ids = (await session.execute(
            select(col(TaskInstance.id)).where(col(TaskInstance.call_workflow_id).in_(children),
                                               col(TaskInstance.t_status).in_(ACTIVE_TASK)))).scalars().all()
        rows = (await session.execute(_CANCEL_IDS, {"ids": list(open_ids)})).all() if open_ids else []
        await _timers.cancel_for_tasks(session, [int(r.id) for r in rows])
        if rows:
            await release_load(session, int(rows[0].company_id), [r.assigned_to for r in rows if r.counted])


def created_before(task: TaskInstance, moment: datetime | None) -> bool:
    """Whether a task existed before `moment` (a join round's completion): a late arrival of that round."""
    return moment is not None and task.created_at < moment
