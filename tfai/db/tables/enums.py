"""PostgreSQL enum types of the data model."""

from __future__ import annotations

import enum
from enum import StrEnum

from sqlalchemy import Enum as SAEnum

# The lifecycle owns the statuses; these columns store them.
from tfai.domain.lifecycle import TaskStatus, WorkflowStatus


class SystemRole(StrEnum):
    admin = "admin"
    user = "user"
    ticket_admin = "ticket_admin"
    task_worker = "task_worker"
    workflow_creator = "workflow_creator"


class TaskType(StrEnum):
    FORM = "FORM"
    SYNC_ACTION = "SYNC_ACTION"
    ASYNC_ACTION = "ASYNC_ACTION"
    JOIN = "JOIN"
    TIMER = "TIMER"
    CALL = "CALL"


def pg_enum(enum_cls: type[enum.Enum], name: str) -> SAEnum:
    """A native PostgreSQL enum column type storing the member values."""
    return SAEnum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e])


SYSTEM_ROLES = pg_enum(SystemRole, "system_roles")
TASK_STATUS = pg_enum(TaskStatus, "task_status")
WORKFLOW_STATUS = pg_enum(WorkflowStatus, "workflow_status")
TASK_TYPE = pg_enum(TaskType, "task_type")
