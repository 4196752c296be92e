"""People steering tasks and tickets: start, reassign, retry a task; cancel, hold, resume, move a workflow.

The callers (tasks.work, tickets.tracking) check who may do it and write the audit log; these apply the status
change the lifecycle allows, inside the caller's transaction, on rows it locked.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import TaskDefinition, TaskInstance, TaskType, WorkflowInstance
from tfai.db.tables.common import utcnow
from tfai.domain.errors import Conflict, InvalidInput
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
from tfai.services.definitions import _cache
from tfai.services.workflow import _scope
from tfai.services.workflow._assignment import assign_task_email, counted_owner, release_load, take_load
from tfai.services.workflow._runtime import (
    Created,
    active_task,
    cancel_open_tasks,
    create_task,
    enqueue_action,
    lock_workflow,
    set_workflow_status,
    settle_scope,
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
    scope = wi if task.call_workflow_id is None else await lock_workflow(session, task.call_workflow_id)
    if task.group_id is None:  # a for_each instance keeps its input: its item is not kept apart from it
        try:
            task.input_data = await tenant_code.task_input(task_def.input_transform, scope.workflow_data or {})
        except ExpressionError as exc:
            raise Conflict(f"The task's input still cannot be computed: {exc.message}") from exc
    task.t_status, task.error, task.attempts, task.started_at = to, None, 0, None
    session.add(task)
    await session.flush()
    if task_def.t_type == TaskType.FORM:
        await assign_task_email(session, company_id, task)
    else:
        enqueue_action(session, task, task_def)
    for held in {id(wi): wi, id(scope): scope}.values():
        if held.w_status == WorkflowStatus.ON_HOLD:
            set_workflow_status(held, WorkflowEvent.RESUME)
            session.add(held)
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


async def resume_workflow(session: AsyncSession, wi: WorkflowInstance) -> Created | None:
    """Resume a locked workflow on hold: with a task to do it simply goes on (a failed task is retried instead);
    held because no transition applied, the transitions out of the last completed task are tried again on the data
    as it is now (edited fields, say): the task they lead to is created (returned), or the workflow ends. Conflict,
    with nothing written, when they still lead nowhere."""
    if wi.w_status == WorkflowStatus.ON_HOLD:
        current = await active_task(session, wi.id or 0)
        if current is None:
            return await _try_transitions_again(session, wi)
        failed = (await session.execute(
            select(col(TaskInstance.id)).where(col(TaskInstance.workflow_instance_id) == wi.id,
                                               col(TaskInstance.t_status) == TaskStatus.ERROR).limit(1))).first()
        if failed is not None:  # any branch's failed task (the newest active one may be another branch's)
            raise Conflict("A task failed: retry it to resume the ticket")
    set_workflow_status(wi, WorkflowEvent.RESUME)
    session.add(wi)
    # A CALL's child that held (and held its ticket) goes on with it.
    children = (await session.execute(
        select(WorkflowInstance).where(col(WorkflowInstance.w_status) == WorkflowStatus.ON_HOLD,
                                       col(WorkflowInstance.parent_task_instance_id).in_(
                                           select(col(TaskInstance.id)).where(
                                               col(TaskInstance.workflow_instance_id) == wi.id)))
        .with_for_update())).scalars().all()
    for child in children:
        if await _scope.live_tasks(session, wi.id or 0, child):
            set_workflow_status(child, WorkflowEvent.RESUME)
            session.add(child)
        else:  # held because no transition applied: its transitions are tried again
            await _try_transitions_again(session, child)
    return None


async def _try_transitions_again(session: AsyncSession, wi: WorkflowInstance) -> Created | None:
    root_id = await _scope.ticket_workflow_id(session, wi)
    scope = col(TaskInstance.call_workflow_id).is_(None) if wi.parent_task_instance_id is None \
        else col(TaskInstance.call_workflow_id) == wi.id
    last = (await session.execute(
        select(TaskInstance).where(col(TaskInstance.workflow_instance_id) == root_id, scope,
                                   col(TaskInstance.t_status) == TaskStatus.COMPLETED)
        .order_by(col(TaskInstance.completed_at).desc(), col(TaskInstance.id).desc()).limit(1))).scalars().first()
    if last is None:
        raise Conflict("Nothing to resume: no task completed; move the ticket to a task or cancel it")
    version = await _cache.workflow_version(session, wi.company_id, wi.workflow_definition_id)
    task_def = await _cache.task_definition(session, wi.company_id, last.task_definition_id)
    # Its `set` already ran when the task completed: running it again would apply it twice.
    plan = await tenant_code.completion(version.model, task_def.key, last.output_data, wi.workflow_data or {},
                                        input=last.input_data, run_set=False)
    if plan.hold_reason is not None:
        raise Conflict(f"Still no way on: {plan.hold_reason}; change the ticket, or move it to a task")
    set_workflow_status(wi, WorkflowEvent.RESUME)
    if plan.workflow_event is not None and wi.parent_task_instance_id is None:
        set_workflow_status(wi, plan.workflow_event)
    session.add(wi)
    created = [await create_task(session, wi.company_id, wi, version.tasks[key]) for key in plan.next_tasks]
    if wi.parent_task_instance_id is not None:  # a child that ends completes its CALL
        await settle_scope(session, root_id, wi)
    return created[0] if created else None


async def move_workflow(session: AsyncSession, wi: WorkflowInstance, task_key: str) -> tuple[Created, int]:
    """Move a locked unfinished workflow to `task_key` of its version: its unfinished tasks are cancelled, a hold
    ends, and the task is created as the engine would (input computed, assigned or queued). Answers the created
    task and how many were cancelled. InvalidInput for a key the workflow does not have, Conflict when finished;
    both before anything is written."""
    if wi.w_status in ARCHIVED_WORKFLOW:
        raise Conflict(f"The ticket is {wi.w_status.value.lower()}")
    version = await _cache.workflow_version(session, wi.company_id, wi.workflow_definition_id)
    task_def = version.tasks.get(task_key)
    if task_def is None:
        choices = ", ".join(sorted(version.tasks))
        raise InvalidInput(f"The workflow has no task {task_key!r}",
                           details=[{"field": "task", "message": f"one of: {choices}"}])
    cancelled = await cancel_open_tasks(session, wi.id or 0)
    if wi.w_status == WorkflowStatus.ON_HOLD:
        set_workflow_status(wi, WorkflowEvent.RESUME)
        session.add(wi)
    return await create_task(session, wi.company_id, wi, task_def), cancelled
