"""People steering tasks and tickets: start, reassign, retry a task; cancel, hold, resume a workflow.

The callers (tasks.work, tickets.tracking) check who may do it and write the audit log; these apply the status
change the lifecycle allows, inside the caller's transaction, on rows it locked.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.tables import TaskDefinition, TaskInstance, TaskType, WorkflowInstance
from tfai.db.tables.common import utcnow
from tfai.domain.errors import Conflict
from tfai.domain.expressions import ExpressionError
from tfai.domain.lifecycle import (
    ARCHIVED_WORKFLOW,
    TaskEvent,
    TaskStatus,
    WorkflowEvent,
    WorkflowStatus,
    next_task_status,
)
from tfai.services.common import tenant_code
from tfai.services.workflow._assignment import assign_task_email, counted_owner, release_load, take_load
from tfai.services.workflow._runtime import (
    active_task,
    cancel_open_tasks,
    enqueue_action,
    lock_workflow,
    set_workflow_status,
)


async def start_task(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition) -> None:
    """Its worker starts a locked OPEN FORM task: IN_PROGRESS, started now (still counted in their load)."""
    if task_def.t_type != TaskType.FORM:
        raise Conflict("Only FORM tasks are started by people; actions start themselves")
    to = next_task_status(task.t_status, TaskEvent.START)
    wi = await lock_workflow(session, task.workflow_instance_id)
    if wi.w_status == WorkflowStatus.ON_HOLD:
        raise Conflict("The ticket is on hold; resume it first")
    task.t_status, task.started_at = to, utcnow()
    session.add(task)


async def reassign_task(session: AsyncSession, company_id: int, task: TaskInstance, user_id: int) -> None:
    """Give a locked unfinished FORM task to `user_id` (checked to be an active worker): OPEN, not started.

    A started (IN_PROGRESS) task goes back to OPEN: the new assignee starts it themselves.
    """
    to = next_task_status(task.t_status, TaskEvent.ASSIGN)
    previous = counted_owner(task.t_status, task.assigned_to)
    now = utcnow()
    task.assigned_to, task.assigned_at, task.t_status, task.started_at = user_id, now, to, None
    session.add(task)
    await release_load(session, company_id, [previous])
    await take_load(session, company_id, user_id, now)


async def retry_task(session: AsyncSession, company_id: int, task: TaskInstance, task_def: TaskDefinition) -> None:
    """Retry a locked failed task: its input again, then actions back to the outbox and forms assigned again; a
    workflow on hold resumes. Conflict when the ticket is finished or the input still cannot be computed."""
    to = next_task_status(task.t_status, TaskEvent.RETRY)
    wi = await lock_workflow(session, task.workflow_instance_id)
    if wi.w_status in ARCHIVED_WORKFLOW:
        raise Conflict(f"The ticket is {wi.w_status.value.lower()}")
    try:
        task.input_data = await tenant_code.task_input(task_def.input_transform, wi.workflow_data or {})
    except ExpressionError as exc:
        raise Conflict(f"The task's input still cannot be computed: {exc.message}") from exc
    task.t_status, task.error, task.attempts, task.started_at = to, None, 0, None
    session.add(task)
    await session.flush()
    if task_def.t_type == TaskType.FORM:
        await assign_task_email(session, company_id, task)
    else:
        enqueue_action(session, task, task_def)
    if wi.w_status == WorkflowStatus.ON_HOLD:
        set_workflow_status(wi, WorkflowEvent.RESUME)
        session.add(wi)
    await session.flush()


async def cancel_workflow(session: AsyncSession, wi: WorkflowInstance) -> None:
    """Cancel a locked workflow and every unfinished task of it."""
    set_workflow_status(wi, WorkflowEvent.CANCEL)
    session.add(wi)
    await cancel_open_tasks(session, wi.id or 0)


def hold_workflow(session: AsyncSession, wi: WorkflowInstance, reason: str) -> None:
    """An admin puts a locked in-progress workflow on hold with a reason."""
    set_workflow_status(wi, WorkflowEvent.HOLD, reason=reason)
    session.add(wi)


async def resume_workflow(session: AsyncSession, wi: WorkflowInstance) -> None:
    """Resume a locked workflow on hold that still has a task to do (a failed task is retried instead)."""
    if wi.w_status == WorkflowStatus.ON_HOLD:
        current = await active_task(session, wi.id or 0)
        if current is None:
            raise Conflict("Nothing to resume: no transition applied; cancel the ticket or fix the definition")
        if current.t_status == TaskStatus.ERROR:
            raise Conflict("A task failed: retry it to resume the ticket")
    set_workflow_status(wi, WorkflowEvent.RESUME)
    session.add(wi)
