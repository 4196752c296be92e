"""Shared reads of the tickets, tasks and files services: access checks, e-mails, current tasks."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import TaskDefinition, TaskInstance, TicketInstance, User
from tfai.domain import policy
from tfai.domain.errors import InvalidInput, NotFound
from tfai.domain.lifecycle import ACTIVE_TASK, ARCHIVED_WORKFLOW, WorkflowStatus
from tfai.domain.limits import MAX_FIELD_FILTERS, MAX_FIELD_VALUE, MAX_KEY
from tfai.domain.policy import Action, Actor, Resource
from tfai.services.tickets.dto import TaskRefDTO


def people_status(workflow_status: WorkflowStatus) -> str:
    """What people see: active (in progress, on hold) or archived (completed, cancelled)."""
    return "archived" if workflow_status in ARCHIVED_WORKFLOW else "active"


def check_state(state: str) -> None:
    if state not in ("active", "archived"):
        raise InvalidInput("state must be active or archived", details=[{"field": "state", "message": "unknown"}])


def check_scope(scope: str) -> None:
    if scope not in ("mine", "company"):
        raise InvalidInput("scope must be mine or company", details=[{"field": "scope", "message": "unknown"}])


def like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def emails(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.execute(select(User.id, User.email).where(col(User.id).in_(wanted)))).all()
    return {int(r[0]): str(r[1]) for r in rows}


async def ticket_resource(session: AsyncSession, ticket: TicketInstance) -> Resource:
    """The ticket for the policy: its requester owns it, every assignee of its tasks may see it."""
    rows = (await session.execute(
        select(TaskInstance.assigned_to, TaskInstance.completed_by)
        .where(col(TaskInstance.workflow_instance_id) == ticket.workflow_instance_id))).all()
    people = frozenset(int(p) for r in rows for p in r if p is not None)
    return Resource(company_id=ticket.company_id, owner_id=ticket.created_by, assignee_ids=people)


async def load_ticket(session: AsyncSession, actor: Actor, ticket_id: int, action: Action,
                      *, lock: bool = False) -> TicketInstance:
    """The ticket if the actor may take `action` on it; NotFound for unseen or another company's."""
    stmt = select(TicketInstance).where(col(TicketInstance.id) == ticket_id)
    if lock:
        stmt = stmt.with_for_update()
    ticket = (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()
    if ticket is None:
        raise NotFound("Ticket not found")
    policy.require(actor, action, await ticket_resource(session, ticket), what="ticket")
    return ticket


async def current_tasks(session: AsyncSession, workflow_ids: Iterable[int]) -> dict[int, list[TaskRefDTO]]:
    """The not-finished tasks of each ticket's workflow instance, newest first (parallel branches, for_each
    instances, a pending JOIN, the tasks of CALLs' child workflows: they all carry the ticket's workflow id)."""
    ids = list(set(workflow_ids))
    if not ids:
        return {}
    stmt = (sa_select(TaskInstance, col(TaskDefinition.key), col(TaskDefinition.title), col(TaskDefinition.t_type),
                      col(User.email))
            .join(TaskDefinition, col(TaskDefinition.id) == col(TaskInstance.task_definition_id))
            .outerjoin(User, col(User.id) == col(TaskInstance.assigned_to))
            .where(col(TaskInstance.workflow_instance_id).in_(ids), col(TaskInstance.t_status).in_(ACTIVE_TASK))
            .order_by(col(TaskInstance.id).desc()))
    out: dict[int, list[TaskRefDTO]] = {}
    for task, key, title, t_type, email in (await session.execute(stmt)).all():
        out.setdefault(task.workflow_instance_id, []).append(TaskRefDTO(
            id=task.id, key=key, title=title, type=t_type.value, status=task.t_status.value,
            assignee_id=task.assigned_to, assignee_email=email))
    return out


def text_match(search: str, *columns: Any) -> Any:
    """Case-insensitive substring match on any of the columns (wildcards in `search` are literal)."""
    pattern = like_pattern(search)
    return or_(*[c.ilike(pattern, escape="\\") for c in columns])


def _field_values(value: str) -> list[Any]:
    """The value as text, plus the JSON number, boolean or null it spells ("42" also matches 42)."""
    out: list[Any] = [value]
    try:
        parsed = json.loads(value)
    except ValueError:
        return out
    if parsed is None or isinstance(parsed, bool | int) or (isinstance(parsed, float) and math.isfinite(parsed)):
        out.append(parsed)
    return out


def field_conditions(fields: dict[str, str] | None) -> list[Any]:
    """Conditions on ticket_instances: each custom field equals its value (top-level fields of ticket_data).

    Served by the GIN index through tfai_tickets_with_data (an indexed `@>` lookup in the session's company).
    """
    if not fields:
        return []
    if len(fields) > MAX_FIELD_FILTERS:
        raise InvalidInput("Too many field filters",
                           details=[{"field": "fields", "message": f"at most {MAX_FIELD_FILTERS}"}])
    out = []
    for name, value in fields.items():
        if not name or len(name) > MAX_KEY or not isinstance(value, str) or len(value) > MAX_FIELD_VALUE:
            raise InvalidInput("Invalid field filter", details=[{
                "field": f"field.{name[:MAX_KEY]}",
                "message": f"a name of 1 to {MAX_KEY} and a value of at most {MAX_FIELD_VALUE} characters"}])
        out.append(or_(*[col(TicketInstance.id).in_(
            sa_select(func.tfai_tickets_with_data(bindparam(None, {name: v}, type_=JSONB))))
            for v in _field_values(value)]))
    return out
