"""Validated admin filters of the ticket list (workflow status, assignee, created range) as SQL conditions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import col

from tfai.db.tables import TaskInstance, TicketInstance, WorkflowInstance
from tfai.domain.errors import InvalidInput
from tfai.domain.lifecycle import ACTIVE_TASK, WorkflowStatus

_MAX_ID = 2**63 - 1


def _utc(value: datetime) -> datetime:
    """A naive datetime is read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def ticket_filter_conditions(*, status: str | None = None, assignee_id: int | None = None,
                             created_from: datetime | None = None,
                             created_to: datetime | None = None) -> list[Any]:
    """Conditions on ticket_instances for the admin filters; InvalidInput lists every bad value.

    `status` is the workflow status (IN_PROGRESS, ON_HOLD, COMPLETED, CANCELLED): a semi-join on
    workflow_instances, added only when set. `assignee_id` keeps tickets whose current (active) task is assigned
    to that user. `created_from` is inclusive, `created_to` exclusive; naive datetimes are UTC.
    """
    problems: list[dict[str, str]] = []
    if status is not None and status not in WorkflowStatus.__members__:
        problems.append({"field": "status", "message": f"one of {list(WorkflowStatus.__members__)}"})
    if assignee_id is not None and (isinstance(assignee_id, bool) or not isinstance(assignee_id, int)
                                    or not 0 < assignee_id <= _MAX_ID):
        problems.append({"field": "assignee_id", "message": "a positive user id"})
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and not isinstance(value, datetime):
            problems.append({"field": name, "message": "a date-time (UTC when no offset is given)"})
    start = _utc(created_from) if isinstance(created_from, datetime) else None
    end = _utc(created_to) if isinstance(created_to, datetime) else None
    if start is not None and end is not None and end < start:
        problems.append({"field": "created_to", "message": "before created_from"})
    if problems:
        raise InvalidInput("Invalid ticket filters", details=problems)
    conditions: list[Any] = []
    if status is not None:
        conditions.append(col(TicketInstance.workflow_instance_id).in_(
            sa_select(col(WorkflowInstance.id)).where(col(WorkflowInstance.w_status) == WorkflowStatus(status))))
    if assignee_id is not None:
        conditions.append(col(TicketInstance.workflow_instance_id).in_(
            sa_select(col(TaskInstance.workflow_instance_id)).where(
                col(TaskInstance.assigned_to) == assignee_id, col(TaskInstance.t_status).in_(ACTIVE_TASK))))
    if start is not None:
        conditions.append(col(TicketInstance.created_at) >= start)
    if end is not None:
        conditions.append(col(TicketInstance.created_at) < end)
    return conditions
