"""The engine glue: start workflows, create and complete tasks, hand actions to the outbox, hold on errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.session import tenant_tx
from tfai.db.tables import (
    Outbox,
    TaskDefinition,
    TaskInstance,
    TaskStatus,
    TaskType,
    TicketInstance,
    WorkflowDefinition,
    WorkflowInstance,
    WorkflowStatus,
)
from tfai.db.tables.common import utcnow
from tfai.domain.bundle import Workflow
from tfai.domain.engine import build_scope, next_step
from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.domain.expressions import ExpressionError, evaluate_transform
from tfai.domain.policy import Actor
from tfai.domain.schema_check import require_valid
from tfai.observability import metrics
from tfai.services.common import audit
from tfai.services.definitions import _cache
from tfai.services.workflow._assignment import assign_task_email, counted_owner, release_load

ACTIVE_TASK = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.PENDING, TaskStatus.ERROR)
COMPLETABLE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.PENDING)
ACTIVE_WORKFLOW = (WorkflowStatus.NOT_STARTED, WorkflowStatus.IN_PROGRESS, WorkflowStatus.ON_HOLD)
MAX_REASON = 2000
_EMAILS = "tfai.assignee_emails"
# The tasks' rows are locked first (lock order: tasks, company lock, users), then the assignees' counters drop.
_CANCEL = text("""
WITH old AS (SELECT id, company_id, assigned_to, t_status IN ('OPEN', 'IN_PROGRESS') AS counted
               FROM task_instances WHERE workflow_instance_id = :wid
                AND t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING', 'ERROR') FOR UPDATE)
UPDATE task_instances t SET t_status = 'CANCELLED', completed_at = now() FROM old WHERE t.id = old.id
RETURNING old.company_id, old.assigned_to, old.counted
""")


async def lock_task(session: AsyncSession, task_id: int) -> TaskInstance | None:
    """The task row locked until the transaction ends (None when missing or another company's)."""
    stmt = select(TaskInstance).where(col(TaskInstance.id) == task_id).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()


async def lock_workflow(session: AsyncSession, workflow_instance_id: int) -> WorkflowInstance:
    stmt = select(WorkflowInstance).where(col(WorkflowInstance.id) == workflow_instance_id).with_for_update()
    wi = (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()
    if wi is None:
        raise NotFound("Workflow not found")
    return wi


async def load_workflow(session: AsyncSession, workflow_definition_id: int) -> tuple[WorkflowDefinition, Workflow]:
    """The pinned workflow version of an instance, parsed into the engine's model."""
    row = await session.get(WorkflowDefinition, workflow_definition_id)
    if row is None:
        raise NotFound("Workflow definition not found")
    return row, Workflow.model_validate(row.bundle)


def hold(wi: WorkflowInstance, reason: str) -> None:
    """Put a workflow on hold with a reason people can read."""
    wi.w_status = WorkflowStatus.ON_HOLD
    wi.hold_reason = reason[:MAX_REASON]
    wi.updated_at = utcnow()


async def touch_ticket(session: AsyncSession, workflow_instance_id: int) -> None:
    await session.execute(update(TicketInstance).where(col(TicketInstance.workflow_instance_id) == workflow_instance_id)
                          .values(updated_at=utcnow()))


def enqueue_action(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition) -> None:
    """Hand an action task to the runner: PENDING plus an outbox row in this transaction."""
    assert task.id is not None
    task.t_status = TaskStatus.PENDING
    session.add(task)
    kind = "sync" if task_def.t_type == TaskType.SYNC_ACTION else "async"
    session.add(Outbox(company_id=task.company_id, task_instance_id=task.id, kind=kind))


def compute_input(task_def: TaskDefinition, workflow_data: dict[str, Any]) -> dict[str, Any] | None:
    """The task's input from its input_transform (None without one); raises ExpressionError."""
    if not task_def.input_transform:
        return None
    return evaluate_transform(task_def.input_transform, build_scope(workflow_data))


async def create_task(session: AsyncSession, company_id: int, workflow_instance: WorkflowInstance,
                      task_def: TaskDefinition, *, release: int | None = None) -> TaskInstance:
    """Create the next task: FORM assigned (or PENDING), actions PENDING with an outbox row.

    When the input transform fails the task is created in ERROR and the workflow holds. `release`: a user whose
    open-task counter drops by one (the assignee of the task just completed) just before the new task is assigned.
    The assignee's email, when assigned, is kept for the answer: `assignee_email(session, task.id)`.
    """
    assert workflow_instance.id is not None and task_def.id is not None
    task = TaskInstance(company_id=company_id, workflow_instance_id=workflow_instance.id,
                        task_definition_id=task_def.id, t_status=TaskStatus.PENDING)
    try:
        task.input_data = compute_input(task_def, workflow_instance.workflow_data or {})
    except ExpressionError as exc:
        task.t_status = TaskStatus.ERROR
        task.error = f"Computing the input failed: {exc.message}"[:MAX_REASON]
        session.add(task)
        hold(workflow_instance, f"Task '{task_def.title}' could not start: {exc.message}")
        session.add(workflow_instance)
        await session.flush()
        await release_load(session, company_id, [release])
        return task
    if task_def.t_type != TaskType.FORM:
        session.add(task)
        await session.flush()
        enqueue_action(session, task, task_def)
        await session.flush()
        await release_load(session, company_id, [release])
        return task
    session.add(task)
    await session.flush()  # everything pending is written before the company lock is taken (last, and short)
    await release_load(session, company_id, [release])
    got = await assign_task_email(session, company_id, task)
    if got is not None:
        session.info.setdefault(_EMAILS, {})[task.id] = got[1]
    return task


def assignee_email(session: AsyncSession, task_id: int | None) -> str | None:
    """The email of whom a task created in this transaction was assigned to (None when not assigned here)."""
    return session.info.get(_EMAILS, {}).get(task_id)


async def complete_task(session: AsyncSession, actor: Actor | None, task: TaskInstance,
                        output: dict[str, Any]) -> TaskInstance | None:
    """Complete a locked task and advance its workflow; the next task (None at an end or a hold).

    The caller holds the task row lock (lock_task) and has checked who may complete it.
    """
    return (await advance(session, actor, task, output))[0]


async def advance(session: AsyncSession, actor: Actor | None, task: TaskInstance,
                  output: dict[str, Any]) -> tuple[TaskInstance | None, WorkflowInstance]:
    """As complete_task, returning the next task and the (locked, updated) workflow instance."""
    if task.t_status not in COMPLETABLE:
        raise Conflict(f"The task is {task.t_status.value} and cannot be completed")
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    require_valid(task_def.output_schema, output, what="output")
    wi = await lock_workflow(session, task.workflow_instance_id)
    if wi.w_status not in (WorkflowStatus.IN_PROGRESS, WorkflowStatus.ON_HOLD):
        raise Conflict(f"The workflow is {wi.w_status.value}")
    if wi.w_status == WorkflowStatus.ON_HOLD and task_def.t_type == TaskType.FORM:
        raise Conflict("The ticket is on hold; resume it first")
    version = await _cache.workflow_version(session, task.company_id, wi.workflow_definition_id)
    workflow = version.model
    data = dict(wi.workflow_data or {})
    decision = next_step(workflow, task_def.key, output, data, input=task.input_data)
    now = utcnow()
    before = task.t_status.value
    released = counted_owner(task.t_status, task.assigned_to)
    task.t_status, task.output_data, task.completed_at = TaskStatus.COMPLETED, output, now
    task.completed_by = actor.user_id if actor is not None and actor.staff is None else None
    task.error = None
    session.add(task)
    wi.workflow_data = {**data, "tasks": {**(data.get("tasks") or {}), task_def.key: output}}
    wi.updated_at = now
    next_task: TaskInstance | None = None
    if decision.kind == "task" and decision.to is not None:
        next_def = version.tasks.get(decision.to)
        if next_def is None:
            hold(wi, f"The next task {decision.to!r} does not exist in this workflow version")
        else:
            await touch_ticket(session, wi.id or 0)
            next_task = await create_task(session, task.company_id, wi, next_def, release=released)
            released = None
    elif decision.kind == "end":
        wi.w_status, wi.completed_at, wi.hold_reason = WorkflowStatus.COMPLETED, now, None
    else:
        hold(wi, decision.reason or "No transition applies")
    session.add(wi)
    if next_task is None:
        await touch_ticket(session, wi.id or 0)
    await release_load(session, task.company_id, [released])
    await session.flush()
    await audit.record(session, actor, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="completed", before={"status": before},
                       after={"status": "COMPLETED", "output": output, "decision": decision.to_dict(),
                              "next_task": next_task.id if next_task else None,
                              "workflow_status": wi.w_status.value})
    metrics.inc("tasks_completed_total")
    return next_task, wi


async def _locked_action(session: AsyncSession, task_id: int) -> tuple[TaskInstance, TaskDefinition]:
    task = await lock_task(session, task_id)
    if task is None:
        raise NotFound("Task not found")
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    if task_def.t_type == TaskType.FORM:
        raise Conflict("Only action tasks are completed by the action runner")
    if task.t_status not in COMPLETABLE:
        raise Conflict(f"The task is {task.t_status.value}")
    return task, task_def


async def _fail(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition, error: str) -> None:
    before = task.t_status.value
    task.t_status, task.error = TaskStatus.ERROR, error[:MAX_REASON]
    session.add(task)
    wi = await lock_workflow(session, task.workflow_instance_id)
    if wi.w_status in (WorkflowStatus.IN_PROGRESS, WorkflowStatus.ON_HOLD):
        hold(wi, f"Task '{task_def.title}' failed: {error}")
        session.add(wi)
    await touch_ticket(session, task.workflow_instance_id)
    await audit.record(session, None, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="failed", before={"status": before}, after={"status": "ERROR", "error": task.error})


async def complete_action_task(company_id: int, task_id: int, output: dict[str, Any]) -> None:
    """The action runner's success: complete the task and advance (an output violating the task's
    output_schema fails the task instead). Conflict when the task is no longer waiting."""
    async with tenant_tx(company_id) as session:
        task, task_def = await _locked_action(session, task_id)
        try:
            require_valid(task_def.output_schema, output, what="output")
        except InvalidInput as exc:
            fields = "; ".join(f"{d['field'] or '(root)'}: {d['message']}" for d in exc.details or [])
            await _fail(session, task, task_def, f"the output does not match the output schema ({fields})")
            return
        await complete_task(session, None, task, output)


async def fail_action_task(company_id: int, task_id: int, error: str) -> None:
    """The action runner's failure: task ERROR, workflow ON_HOLD with the error as reason."""
    async with tenant_tx(company_id) as session:
        task, task_def = await _locked_action(session, task_id)
        await _fail(session, task, task_def, error or "the action failed")


async def active_task(session: AsyncSession, workflow_instance_id: int) -> TaskInstance | None:
    """The newest not-finished task of a workflow, if any."""
    stmt = (select(TaskInstance).where(col(TaskInstance.workflow_instance_id) == workflow_instance_id,
                                       col(TaskInstance.t_status).in_(ACTIVE_TASK))
            .order_by(col(TaskInstance.id).desc()).limit(1))
    return (await session.execute(stmt)).scalars().first()


async def cancel_open_tasks(session: AsyncSession, workflow_instance_id: int) -> int:
    """Cancel every not-finished task of a workflow; how many."""
    rows = (await session.execute(_CANCEL, {"wid": workflow_instance_id})).all()
    if rows:
        await release_load(session, int(rows[0].company_id), [r.assigned_to for r in rows if r.counted])
    return len(rows)
