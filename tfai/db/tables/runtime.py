"""Running tickets: ticket, workflow and task instances, comments, files and durable timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlmodel import Field, SQLModel

from tfai.db.tables.common import company_fk, jsonb, now_col, pk, ref, tenant_fk, tenant_key, ts
from tfai.db.tables.enums import TASK_STATUS, WORKFLOW_STATUS, TaskStatus, WorkflowStatus


class WorkflowInstance(SQLModel, table=True):
    __tablename__ = "workflow_instances"
    __table_args__ = (
        Index("ix_workflow_instances_status", "company_id", "w_status"),
        tenant_key("workflow_instances"),
        tenant_fk("workflow_instances", "workflow_definition_id", "workflow_definitions"),
        Index("ix_workflow_instances_parent", "company_id", "parent_task_instance_id",
              postgresql_where=text("parent_task_instance_id IS NOT NULL")),
        # task_instances references this table too: the cycle is closed after both exist (migration 0019).
        ForeignKeyConstraint(["company_id", "parent_task_instance_id"],
                             ["task_instances.company_id", "task_instances.id"],
                             name="fk_workflow_instances_parent_task_instance_id_tenant", ondelete="CASCADE",
                             use_alter=True),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_definition_id: int = ref(nullable=False)
    w_status: WorkflowStatus = Field(sa_column=Column(WORKFLOW_STATUS, nullable=False))
    workflow_data: Any = jsonb(nullable=False, default=dict)
    hold_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = now_col()
    updated_at: datetime = now_col()
    completed_at: datetime | None = ts()
    # A child workflow started by a CALL task (no ticket of its own): that task instance, and how deep it nests.
    parent_task_instance_id: int | None = ref()
    call_depth: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class TicketInstance(SQLModel, table=True):
    __tablename__ = "ticket_instances"
    __table_args__ = (
        Index("ix_ticket_instances_creator", "company_id", "created_by", "archived", "id"),
        tenant_key("ticket_instances"),
        Index("ix_ticket_instances_state", "company_id", "archived", "id"),
        Index("ix_ticket_instances_data", "ticket_data", postgresql_using="gin"),
        Index("ux_ticket_instances_idempotency", "company_id", "created_by", "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
        tenant_fk("ticket_instances", "ticket_definition_id", "ticket_definitions"),
        tenant_fk("ticket_instances", "workflow_instance_id", "workflow_instances", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    ticket_definition_id: int = ref(nullable=False)
    workflow_instance_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    # Not a tenant_fk: staff under a write grant submit in the customer's company as their own (platform) user.
    created_by: int = Field(sa_column=Column(BigInteger, ForeignKey("users.id"), nullable=False))
    title: str = Field(default="", sa_column=Column(String(300), nullable=False, server_default=""))
    ticket_data: Any = jsonb(nullable=False, default=dict)
    # Mirrors the workflow's COMPLETED/CANCELLED status (trigger tr_workflow_instances_archived, migration 0006).
    archived: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    # The submitter's Idempotency-Key (REST header): a retry with the same key answers with this ticket (0010).
    idempotency_key: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))
    created_at: datetime = now_col()
    updated_at: datetime = now_col()


class TaskInstance(SQLModel, table=True):
    __tablename__ = "task_instances"
    __table_args__ = (
        Index("ix_task_instances_assignee", "company_id", "assigned_to", "t_status"),
        # "My tasks" under row-level security: enum equality is not leakproof, so the status list cannot be an
        # index condition after the tenant predicate; a partial index on it can (migration 0011).
        Index("ix_task_instances_assignee_active", "company_id", "assigned_to", "id",
              postgresql_where=text("t_status IN ('PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR')")),
        Index("ix_task_instances_workflow", "company_id", "workflow_instance_id"),
        Index("ix_task_instances_pending", "company_id", "id",
              postgresql_where=text("t_status = 'PENDING' AND assigned_to IS NULL")),
        tenant_key("task_instances"),
        tenant_fk("task_instances", "workflow_instance_id", "workflow_instances", ondelete="CASCADE"),
        tenant_fk("task_instances", "task_definition_id", "task_definitions"),
        tenant_fk("task_instances", "assigned_to", "users", ondelete="SET NULL"),
        # Staff under a grant complete tasks with completed_by NULL (workflow/_runtime.py), so it stays in company.
        tenant_fk("task_instances", "completed_by", "users", ondelete="SET NULL"),
        tenant_fk("task_instances", "call_workflow_id", "workflow_instances", ondelete="CASCADE"),
        Index("ix_task_instances_group", "company_id", "group_id", postgresql_where=text("group_id IS NOT NULL")),
        Index("ix_task_instances_call_workflow", "company_id", "call_workflow_id",
              postgresql_where=text("call_workflow_id IS NOT NULL")),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_instance_id: int = ref(nullable=False)
    task_definition_id: int = ref(nullable=False)
    t_status: TaskStatus = Field(sa_column=Column(TASK_STATUS, nullable=False))
    assigned_to: int | None = ref()
    input_data: Any = jsonb()
    output_data: Any = jsonb()
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = now_col()
    assigned_at: datetime | None = ts()
    started_at: datetime | None = ts()
    completed_at: datetime | None = ts()
    completed_by: int | None = ref()
    # `workflow_instance_id` is always the ticket's own workflow (every ticket, policy and list query joins on it);
    # a task of a child workflow started by a CALL names that child here (its data, definition and status).
    call_workflow_id: int | None = ref()
    # A for_each FORM task: one instance per item, grouped by the first instance's id, numbered from 0.
    group_id: int | None = ref()
    item_index: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # A FORM task's `due`: when it is due (set at creation).
    due_at: datetime | None = ts()


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_ticket", "company_id", "ticket_instance_id", "id"),
        tenant_fk("comments", "ticket_instance_id", "ticket_instances", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    ticket_instance_id: int = ref(nullable=False)
    # Not a tenant_fk (nor uploaded_by below): staff under a write grant write as their own (platform) user.
    author_id: int = Field(sa_column=Column(BigInteger, ForeignKey("users.id"), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = now_col()


class FileUpload(SQLModel, table=True):
    __tablename__ = "file_uploads"
    __table_args__ = (
        Index("ix_file_uploads_ticket", "company_id", "ticket_instance_id"),
        # One row per version of a file name on a ticket (attachments.py numbers them under the ticket's lock).
        Index("ux_file_uploads_version", "ticket_instance_id", "filename", "version", unique=True),
        tenant_fk("file_uploads", "ticket_instance_id", "ticket_instances", ondelete="CASCADE"),
        tenant_fk("file_uploads", "task_instance_id", "task_instances", ondelete="SET NULL"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    ticket_instance_id: int | None = ref()
    task_instance_id: int | None = ref()
    uploaded_by: int = Field(sa_column=Column(BigInteger, ForeignKey("users.id"), nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    content_type: str = Field(sa_column=Column(String(127), nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    content_key: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    created_at: datetime = now_col()


class Timer(SQLModel, table=True):
    """A durable timer: fires once at due_at (services/workflow/timers.py), claimed with FOR UPDATE SKIP LOCKED."""

    __tablename__ = "timers"
    __table_args__ = (
        # The firing loop's peek across companies (tfai_timers_due) and its per-company claim; fired rows leave both.
        Index("ix_timers_due", "due_at", postgresql_where=text("fired_at IS NULL")),
        Index("ix_timers_company_due", "company_id", "due_at", postgresql_where=text("fired_at IS NULL")),
        Index("ix_timers_retry", "retry_at", postgresql_where=text("fired_at IS NULL AND retry_at IS NOT NULL")),
        Index("ix_timers_task", "company_id", "task_instance_id"),
        Index("ix_timers_workflow", "company_id", "workflow_instance_id"),
        tenant_fk("timers", "workflow_instance_id", "workflow_instances", ondelete="CASCADE"),
        tenant_fk("timers", "task_instance_id", "task_instances", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_instance_id: int = ref(nullable=False)
    task_instance_id: int | None = ref()
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    payload: Any = jsonb(nullable=False, default=dict)
    fired_at: datetime | None = ts()
    # What the firing did: "fired", or "skipped" when its task or workflow had already finished.
    outcome: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # Failed firings so far; a failed one is tried again from retry_at (back-off), keeping due_at as it was.
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    retry_at: datetime | None = ts()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = now_col()
