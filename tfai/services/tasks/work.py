"""Tasks: work lists, detail, completing forms, and admin steering (reassign, retry, availability)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from tfai.db.tables import (
    ActionAttempt,
    FileUpload,
    TaskDefinition,
    TaskInstance,
    TaskType,
    TicketDefinition,
    TicketInstance,
    User,
    WorkflowInstance,
)
from tfai.domain import policy
from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.domain.lifecycle import ACTIVE_TASK, ARCHIVED_TASK, TaskStatus
from tfai.domain.policy import Action, Actor, Resource
from tfai.services.common import audit, concurrency
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.tx import actor_tx
from tfai.services.definitions import _cache
from tfai.services.tickets import _form_files
from tfai.services.tickets._queries import check_scope, check_state, emails
from tfai.services.tickets.dto import ActionAttemptDTO, TaskCompletedDTO, TaskDetailDTO, TaskSummaryDTO
from tfai.services.tickets.tracking import file_dto
from tfai.services.workflow import _runtime, _steer
from tfai.services.workflow._assignment import (
    assign_pending,
    is_assignable_worker,
    lock_assignment,
    release_user_tasks,
)

_SORTS = {"created": col(TaskInstance.id), "assigned": col(TaskInstance.assigned_at),
          "completed": col(TaskInstance.completed_at), "status": col(TaskInstance.t_status)}


def _task_resource(task: TaskInstance) -> Resource:
    return Resource(company_id=task.company_id,
                    assignee_ids=frozenset({task.assigned_to} if task.assigned_to is not None else set()))


async def list_tasks(actor: Actor, *, scope: str = "mine", state: str = "active", status: str | None = None,
                     assignee_id: int | None = None, ticket_type: str | None = None,
                     created_from: datetime | None = None, created_to: datetime | None = None, page: int = 1,
                     page_size: int = 25, sort: str = "created") -> Page[TaskSummaryDTO]:
    """One page of the actor's tasks (mine, oldest first) or the company's (ticket admins, admins)."""
    check_scope(scope)
    check_state(state)
    policy.require(actor, Action.TASK_LIST_COMPANY if scope == "company" else Action.TASK_READ)
    field = sort.lstrip("-")
    if field not in _SORTS:
        raise InvalidInput("Unknown sort", details=[{"field": "sort", "message": f"one of {sorted(_SORTS)}"}])
    if status is not None and status not in TaskStatus.__members__:
        raise InvalidInput("Unknown status", details=[{"field": "status", "message": "not a task status"}])
    page, page_size = clamp(page, page_size)
    async with actor_tx(actor) as session:
        # Filters and the count touch task_instances only (ix_task_instances_assignee_active serves "mine"); the joins
        # for the display columns run for the page's rows alone. Every task's workflow has exactly one ticket.
        wanted = ARCHIVED_TASK if state == "archived" else ACTIVE_TASK  # a positive list: the index serves IN
        # Literal values, so the planner can match ix_task_instances_assignee_active's predicate in every plan.
        ids = sa_select(col(TaskInstance.id)).where(col(TaskInstance.t_status).in_(
            bindparam("statuses", [s.value for s in wanted], expanding=True, literal_execute=True)))
        if scope == "mine":
            ids = ids.where(col(TaskInstance.assigned_to) == actor.user_id)
        elif assignee_id is not None:
            ids = ids.where(col(TaskInstance.assigned_to) == assignee_id)
        if status is not None:
            ids = ids.where(col(TaskInstance.t_status) == TaskStatus(status))
        if ticket_type:
            ids = ids.where(col(TaskInstance.workflow_instance_id).in_(
                sa_select(col(TicketInstance.workflow_instance_id)).where(
                    col(TicketInstance.ticket_definition_id).in_(
                        sa_select(col(TicketDefinition.id)).where(col(TicketDefinition.key) == ticket_type)))))
        if created_from is not None:
            ids = ids.where(col(TaskInstance.created_at) >= created_from)
        if created_to is not None:
            ids = ids.where(col(TaskInstance.created_at) < created_to)
        total = (await session.execute(select(text("count(*)")).select_from(ids.subquery()))).scalar_one()
        order = _SORTS[field].desc().nulls_last() if sort.startswith("-") else _SORTS[field].asc().nulls_last()
        page_ids = (ids.order_by(order, col(TaskInstance.id)).offset((page - 1) * page_size).limit(page_size)
                    .subquery())
        stmt = (sa_select(TaskInstance, TaskDefinition, col(TicketInstance.id), col(TicketInstance.title),
                          col(TicketDefinition.key), col(User.email))
                .join(page_ids, page_ids.c.id == col(TaskInstance.id))
                .join(TaskDefinition, col(TaskDefinition.id) == col(TaskInstance.task_definition_id))
                .join(TicketInstance,
                      col(TicketInstance.workflow_instance_id) == col(TaskInstance.workflow_instance_id))
                .join(TicketDefinition, col(TicketDefinition.id) == col(TicketInstance.ticket_definition_id))
                .outerjoin(User, col(User.id) == col(TaskInstance.assigned_to))
                .order_by(order, col(TaskInstance.id)))
        rows = (await session.execute(stmt)).all()
        items = [_summary(t, d, tid, ttitle, tkey, email) for t, d, tid, ttitle, tkey, email in rows]
        return Page[TaskSummaryDTO](items=items, total=int(total), page=page, page_size=page_size)


def _summary(t: TaskInstance, d: TaskDefinition, ticket_id: int | None, ticket_title: str, ticket_type: str,
             email: str | None) -> TaskSummaryDTO:
    return TaskSummaryDTO(id=t.id or 0, key=d.key, title=d.title, type=d.t_type.value, status=t.t_status.value,
                          assignee_id=t.assigned_to, assignee_email=email, ticket_id=ticket_id or 0,
                          ticket_title=ticket_title, ticket_type=ticket_type, created_at=t.created_at,
                          assigned_at=t.assigned_at, completed_at=t.completed_at)


async def get_task(actor: Actor, task_id: int) -> TaskDetailDTO:
    """A task with input, output, schemas, layouts, its ticket and any action attempts."""
    policy.require(actor, Action.TASK_READ)
    async with actor_tx(actor) as session:
        t = await session.get(TaskInstance, task_id)
        if t is None:
            raise NotFound("Task not found")
        policy.require(actor, Action.TASK_READ, _task_resource(t), what="task")
        d = await session.get(TaskDefinition, t.task_definition_id)
        wi = await session.get(WorkflowInstance, t.workflow_instance_id)
        ticket = (await session.execute(select(TicketInstance).where(
            col(TicketInstance.workflow_instance_id) == t.workflow_instance_id))).scalars().one()
        td = await session.get(TicketDefinition, ticket.ticket_definition_id)
        assert d is not None and wi is not None and td is not None
        attempts = (await session.execute(select(ActionAttempt).where(col(ActionAttempt.task_instance_id) == t.id)
                                          .order_by(col(ActionAttempt.id)))).scalars().all()
        uploads = (await session.execute(select(FileUpload).where(col(FileUpload.ticket_instance_id) == ticket.id)
                                         .order_by(col(FileUpload.id)))).scalars().all()
        who = await emails(session, [t.assigned_to, t.completed_by])
        base = _summary(t, d, ticket.id or 0, ticket.title, td.key, who.get(t.assigned_to or 0))
        return TaskDetailDTO(
            **base.model_dump(), description=d.description, input=t.input_data, output=t.output_data, error=t.error,
            attempts=t.attempts, input_schema=d.input_schema, output_schema=d.output_schema,
            edit_layout=d.edit_layout, display_layout=d.display_layout, started_at=t.started_at,
            completed_by_email=who.get(t.completed_by or 0), workflow_status=wi.w_status.value,
            hold_reason=wi.hold_reason, ticket_fields=ticket.ticket_data or {},
            ticket_files=[file_dto(f) for f in uploads],
            action_attempts=[ActionAttemptDTO(attempt=a.attempt, started_at=a.started_at, finished_at=a.finished_at,
                                              status_code=a.status_code, duration_ms=a.duration_ms, error=a.error,
                                              webhook_id=a.webhook_id)
                             for a in attempts])


async def _locked(session: Any, actor: Actor, task_id: int, action: Action) -> tuple[TaskInstance, TaskDefinition]:
    task = await _runtime.lock_task(session, task_id)
    if task is None:
        raise NotFound("Task not found")
    policy.require(actor, action, _task_resource(task), what="task")
    return task, await _cache.task_definition(session, task.company_id, task.task_definition_id)


async def start_task(actor: Actor, task_id: int) -> None:
    """Start my OPEN FORM task (IN_PROGRESS, started now); its assignee, a ticket admin or an admin.

    Starting is optional: an OPEN task can be completed directly.
    """
    policy.require(actor, Action.TASK_COMPLETE)
    async with actor_tx(actor) as session:
        task, task_def = await _locked(session, actor, task_id, Action.TASK_COMPLETE)
        before = task.t_status.value
        await _steer.start_task(session, task, task_def)
        await audit.record(session, actor, entity="task", entity_id=task_id, action="started",
                           before={"status": before}, after={"status": task.t_status.value})


async def complete_form_task(actor: Actor, task_id: int, *, output: dict[str, Any]) -> TaskCompletedDTO:
    """Complete a FORM task, OPEN or started (its assignee, a ticket admin or an admin); the workflow advances."""
    policy.require(actor, Action.TASK_COMPLETE)
    async with concurrency.company_slot(actor.company_id), actor_tx(actor) as session:  # runs the company's CEL
        task, task_def = await _locked(session, actor, task_id, Action.TASK_COMPLETE)
        if task_def.t_type != TaskType.FORM:
            raise Conflict("Only FORM tasks are completed by people; actions complete themselves")
        await _form_files.check_file_values(session, task.workflow_instance_id, task_def.output_schema,
                                           task_def.edit_layout, output)
        done = await _runtime.advance(session, actor, task, output)
        return TaskCompletedDTO(next_task_id=done.next_task.id if done.next_task else None,
                                workflow_status=done.workflow.w_status.value)


async def reassign_task(actor: Actor, task_id: int, *, user_id: int) -> None:
    """Give an unfinished FORM task to another active task worker of the company (OPEN: a started task is
    handed over unstarted)."""
    policy.require(actor, Action.TASK_STEER)
    async with actor_tx(actor) as session:
        task, task_def = await _locked(session, actor, task_id, Action.TASK_STEER)
        if task_def.t_type != TaskType.FORM:
            raise Conflict("Only FORM tasks are assigned to people")
        if not await is_assignable_worker(session, user_id):
            raise InvalidInput("The user is not an active task worker of this company",
                               details=[{"field": "user_id", "message": "not an active task worker"}])
        before = {"assigned_to": task.assigned_to, "status": task.t_status.value}
        await _steer.reassign_task(session, actor.company_id, task, user_id)
        await audit.record(session, actor, entity="task", entity_id=task_id, action="reassigned", before=before,
                           after={"assigned_to": user_id, "status": task.t_status.value})


async def retry_task(actor: Actor, task_id: int) -> None:
    """Retry an ERROR task: actions go back to the outbox, forms reopen; the workflow resumes."""
    policy.require(actor, Action.TASK_STEER)
    async with actor_tx(actor) as session:
        task, task_def = await _locked(session, actor, task_id, Action.TASK_STEER)
        if task.t_status != TaskStatus.ERROR:
            raise Conflict(f"Only a failed task can be retried (it is {task.t_status.value})")
        before = {"status": task.t_status.value, "error": task.error, "attempts": task.attempts}
        await _steer.retry_task(session, actor.company_id, task, task_def)
        await audit.record(session, actor, entity="task", entity_id=task_id, action="retried", before=before,
                           after={"status": task.t_status.value})


async def set_availability(actor: Actor, *, user_id: int | None = None, available: bool) -> None:
    """Mark a worker available (waiting tasks flow to them) or unavailable (their OPEN tasks move on;
    IN_PROGRESS stays). Self, or an admin for anyone in the company."""
    target = actor.user_id if user_id is None else user_id
    policy.require(actor, Action.AVAILABILITY_SET if target == actor.user_id else Action.USER_MANAGE)
    async with actor_tx(actor) as session:
        await lock_assignment(session, actor.company_id)
        # NO KEY UPDATE: FOR UPDATE would wait for transactions that reference the user (KEY SHARE) while they
        # may wait for the company lock held here.
        user = (await session.execute(select(User).where(col(User.id) == target)
                                      .with_for_update(key_share=True))).scalars().first()
        if user is None:
            raise NotFound("User not found")
        before = user.available
        user.available = available
        session.add(user)
        await session.flush()
        if available:
            await assign_pending(session, actor.company_id)
        else:
            await release_user_tasks(session, actor.company_id, target)
        await audit.record(session, actor, entity="user", entity_id=target, action="availability",
                           before={"available": before}, after={"available": available})
