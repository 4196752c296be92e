"""Running tickets: ticket, workflow and task instances, comments and files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Text, text
from sqlmodel import Field, SQLModel

from tfai.db.tables.common import company_fk, fk, jsonb, now_col, pk, ts
from tfai.db.tables.enums import TASK_STATUS, WORKFLOW_STATUS, TaskStatus, WorkflowStatus


class WorkflowInstance(SQLModel, table=True):
    __tablename__ = "workflow_instances"
    __table_args__ = (Index("ix_workflow_instances_status", "company_id", "w_status"),)

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_definition_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("workflow_definitions.id"), nullable=False))
    w_status: WorkflowStatus = Field(sa_column=Column(WORKFLOW_STATUS, nullable=False))
    workflow_data: Any = jsonb(nullable=False, default=dict)
    hold_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = now_col()
    updated_at: datetime = now_col()
    completed_at: datetime | None = ts()


class TicketInstance(SQLModel, table=True):
    __tablename__ = "ticket_instances"
    __table_args__ = (
        Index("ix_ticket_instances_creator", "company_id", "created_by", "archived", "id"),
        Index("ix_ticket_instances_company_id", "company_id", "id"),
        Index("ix_ticket_instances_state", "company_id", "archived", "id"),
        Index("ix_ticket_instances_data", "ticket_data", postgresql_using="gin"),
        Index("ux_ticket_instances_idempotency", "company_id", "created_by", "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    ticket_definition_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("ticket_definitions.id"), nullable=False))
    workflow_instance_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("workflow_instances.id", ondelete="CASCADE"), nullable=False, unique=True))
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
    )

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_instance_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("workflow_instances.id", ondelete="CASCADE"), nullable=False))
    task_definition_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("task_definitions.id"), nullable=False))
    t_status: TaskStatus = Field(sa_column=Column(TASK_STATUS, nullable=False))
    assigned_to: int | None = fk("users.id", ondelete="SET NULL")
    input_data: Any = jsonb()
    output_data: Any = jsonb()
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = now_col()
    assigned_at: datetime | None = ts()
    started_at: datetime | None = ts()
    completed_at: datetime | None = ts()
    completed_by: int | None = fk("users.id", ondelete="SET NULL")


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_ticket", "company_id", "ticket_instance_id", "id"),)

    id: int | None = pk()
    company_id: int = company_fk()
    ticket_instance_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("ticket_instances.id", ondelete="CASCADE"), nullable=False))
    author_id: int = Field(sa_column=Column(BigInteger, ForeignKey("users.id"), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = now_col()


class FileUpload(SQLModel, table=True):
    __tablename__ = "file_uploads"
    __table_args__ = (
        Index("ix_file_uploads_ticket", "company_id", "ticket_instance_id"),
        # One row per version of a file name on a ticket (attachments.py numbers them under the ticket's lock).
        Index("ux_file_uploads_version", "ticket_instance_id", "filename", "version", unique=True),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    ticket_instance_id: int | None = fk("ticket_instances.id", ondelete="CASCADE")
    task_instance_id: int | None = fk("task_instances.id", ondelete="SET NULL")
    uploaded_by: int = Field(sa_column=Column(BigInteger, ForeignKey("users.id"), nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    content_type: str = Field(sa_column=Column(String(127), nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    content_key: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    created_at: datetime = now_col()
