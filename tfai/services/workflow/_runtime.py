"""The engine glue: create and complete tasks, hand actions to the outbox, fail and hold, in the caller's transaction.

Every status change goes through `set_task_status` / `set_workflow_status`: the lifecycle (tfai.domain.lifecycle)
decides the next status or refuses the event; these functions only write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import Outbox, TaskDefinition, TaskInstance, TaskType, TicketInstance, WorkflowInstance
from tfai.db.tables.common import utcnow
from tfai.domain.errors import Conflict, NotFound
from tfai.domain.expressions import ExpressionError
from tfai.domain.lifecycle import (
    ACTIVE_TASK,
    ACTIVE_WORKFLOW,
    COUNTED_TASK,
    TaskEvent,
    TaskStatus,
    WorkflowEvent,
    WorkflowStatus,
    next_task_status,
    next_workflow_status,
    sql_in,
    sql_value,
)
from tfai.domain.limits import MAX_REASON
from tfai.domain.policy import Actor
from tfai.observability import metrics
from tfai.services.common import audit, tenant_code
from tfai.services.definitions import _cache
from tfai.services.workflow._assignment import assign_task_email, counted_owner, release_load

# The tasks' rows are locked first (lock order: tasks, company lock, users), then the assignees' counters drop.
_CANCEL = text(f"""
WITH old AS (SELECT id, company_id, assigned_to, t_status IN {sql_in(COUNTED_TASK)} AS counted
               FROM task_instances WHERE workflow_instance_id = :wid
                AND t_status IN {sql_in(ACTIVE_TASK)} FOR UPDATE)
UPDATE task_instances t SET t_status = {sql_value(TaskStatus.CANCELLED)}, completed_at = now()
  FROM old WHERE t.id = old.id
RETURNING old.company_id, old.assigned_to, old.counted
""")


def set_task_status(task: TaskInstance, event: TaskEvent) -> None:
    """Move a task on `event` (IllegalTransition, a Conflict, when its status does not allow it)."""
    task.t_status = next_task_status(task.t_status, event)


def set_workflow_status(wi: WorkflowInstance, event: WorkflowEvent, *, reason: str | None = None) -> None:
    """Move a workflow on `event`: a hold keeps its reason people can read, any other event clears it."""
    wi.w_status = next_workflow_status(wi.w_status, event)
    if wi.w_status == WorkflowStatus.ON_HOLD:
        wi.hold_reason = (reason or "")[:MAX_REASON] or None
    elif wi.w_status != WorkflowStatus.CANCELLED:  # a cancelled ticket keeps why it was held
        wi.hold_reason = None
    wi.updated_at = utcnow()
    if wi.w_status not in ACTIVE_WORKFLOW:
        wi.completed_at = wi.updated_at


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


async def touch_ticket(session: AsyncSession, workflow_instance_id: int) -> None:
    await session.execute(update(TicketInstance).where(col(TicketInstance.workflow_instance_id) == workflow_instance_id)
                          .values(updated_at=utcnow()))


def enqueue_action(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition) -> None:
    """Hand a waiting (PENDING) action task to the runner: an outbox row in this transaction."""
    assert task.id is not None and task.t_status == TaskStatus.PENDING
    kind = "sync" if task_def.t_type == TaskType.SYNC_ACTION else "async"
    session.add(Outbox(company_id=task.company_id, task_instance_id=task.id, kind=kind))


@dataclass(frozen=True)
class Created:
    """A task just created, and the email of whom it was assigned to in this transaction (None: not assigned)."""

    task: TaskInstance
    assignee_email: str | None = None


async def create_task(session: AsyncSession, company_id: int, workflow_instance: WorkflowInstance,
                      task_def: TaskDefinition, *, release: int | None = None) -> Created:
    """Create the next task: FORM assigned (or PENDING), actions PENDING with an outbox row.

    When the input transform fails the task fails at once and the workflow holds. `release`: a user whose
    open-task counter drops by one (the assignee of the task just completed) just before the new task is assigned.
    """
    assert workflow_instance.id is not None and task_def.id is not None
    task = TaskInstance(company_id=company_id, workflow_instance_id=workflow_instance.id,
                        task_definition_id=task_def.id, t_status=next_task_status(None, TaskEvent.CREATE))
    try:
        task.input_data = await tenant_code.task_input(task_def.input_transform, workflow_instance.workflow_data or {})
    except ExpressionError as exc:
        set_task_status(task, TaskEvent.FAIL)
        task.error = f"Computing the input failed: {exc.message}"[:MAX_REASON]
        session.add(task)
        set_workflow_status(workflow_instance, WorkflowEvent.AUTO_HOLD,
                            reason=f"Task '{task_def.title}' could not start: {exc.message}")
        session.add(workflow_instance)
        await session.flush()
        await release_load(session, company_id, [release])
        return Created(task)
    session.add(task)
    await session.flush()  # everything pending is written before the company lock is taken (last, and short)
    if task_def.t_type != TaskType.FORM:
        enqueue_action(session, task, task_def)
        await session.flush()
        await release_load(session, company_id, [release])
        return Created(task)
    await release_load(session, company_id, [release])
    got = await assign_task_email(session, company_id, task)
    return Created(task, got[1] if got is not None else None)


@dataclass(frozen=True)
class Advanced:
    """What completing a task led to: the next task (None at an end or a hold) and the updated workflow."""

    next_task: TaskInstance | None
    workflow: WorkflowInstance


async def advance(session: AsyncSession, actor: Actor | None, task: TaskInstance,
                  output: dict[str, Any]) -> Advanced:
    """Complete a locked task with `output` and advance its workflow.

    The caller holds the task row lock (lock_task) and has checked who may complete it. The output is checked
    against the output schema here, once, before anything is written (InvalidInput with per-field details).
    """
    done = next_task_status(task.t_status, TaskEvent.COMPLETE)
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    await tenant_code.check_data(task_def.output_schema, output, what="output")
    wi = await lock_workflow(session, task.workflow_instance_id)
    if wi.w_status not in ACTIVE_WORKFLOW:
        raise Conflict(f"The workflow is {wi.w_status.value}")
    if wi.w_status == WorkflowStatus.ON_HOLD and task_def.t_type == TaskType.FORM:
        raise Conflict("The ticket is on hold; resume it first")
    version = await _cache.workflow_version(session, task.company_id, wi.workflow_definition_id)
    plan = await tenant_code.completion(version.model, task_def.key, output, wi.workflow_data or {},
                                        input=task.input_data)
    now = utcnow()
    before = task.t_status.value
    released = counted_owner(task.t_status, task.assigned_to)
    task.t_status, task.output_data, task.completed_at, task.error = done, output, now, None
    task.completed_by = actor.user_id if actor is not None and actor.staff is None else None
    session.add(task)
    wi.workflow_data, wi.updated_at = plan.workflow_data, now
    if plan.workflow_event is not None:
        set_workflow_status(wi, plan.workflow_event, reason=plan.hold_reason)
    session.add(wi)
    await touch_ticket(session, wi.id or 0)
    next_task: TaskInstance | None = None
    if plan.next_task is not None:
        next_task = (await create_task(session, task.company_id, wi, version.tasks[plan.next_task],
                                       release=released)).task
        released = None
    await release_load(session, task.company_id, [released])
    await session.flush()
    await audit.record(session, actor, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="completed", before={"status": before},
                       after={"status": done.value, "output": output, "decision": plan.decision.to_dict(),
                              "next_task": next_task.id if next_task else None,
                              "workflow_status": wi.w_status.value})
    metrics.inc("tasks_completed_total")
    return Advanced(next_task, wi)


async def fail_task(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition, error: str) -> None:
    """A locked task fails (ERROR with the error); its unfinished workflow holds with the error as reason."""
    before = task.t_status.value
    set_task_status(task, TaskEvent.FAIL)
    task.error = error[:MAX_REASON]
    session.add(task)
    wi = await lock_workflow(session, task.workflow_instance_id)
    if wi.w_status in ACTIVE_WORKFLOW:
        set_workflow_status(wi, WorkflowEvent.AUTO_HOLD, reason=f"Task '{task_def.title}' failed: {error}")
        session.add(wi)
    await touch_ticket(session, task.workflow_instance_id)
    await audit.record(session, None, company_id=task.company_id, entity="task", entity_id=task.id or 0,
                       action="failed", before={"status": before},
                       after={"status": task.t_status.value, "error": task.error})


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
