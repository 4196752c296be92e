"""PostgreSQL enum types of the data model."""

from __future__ import annotations

import enum
from enum import StrEnum

from sqlalchemy import Enum as SAEnum


class SystemRole(StrEnum):
    admin = "admin"
    user = "user"
    ticket_admin = "ticket_admin"
    task_worker = "task_worker"
    workflow_creator = "workflow_creator"


class TaskStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"


class WorkflowStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ON_HOLD = "ON_HOLD"


class TaskType(StrEnum):
    FORM = "FORM"
    SYNC_ACTION = "SYNC_ACTION"
    ASYNC_ACTION = "ASYNC_ACTION"


def pg_enum(enum_cls: type[enum.Enum], name: str) -> SAEnum:
    """A native PostgreSQL enum column type storing the member values."""
    return SAEnum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e])


SYSTEM_ROLES = pg_enum(SystemRole, "system_roles")
TASK_STATUS = pg_enum(TaskStatus, "task_status")
WORKFLOW_STATUS = pg_enum(WorkflowStatus, "workflow_status")
TASK_TYPE = pg_enum(TaskType, "task_type")
