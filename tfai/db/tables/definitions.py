"""Versioned workflow, task and ticket definitions (what designers author)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tfai.db.tables.common import company_fk, jsonb, now_col, pk, ref, tenant_fk, tenant_key
from tfai.db.tables.enums import TASK_TYPE, TaskType


class WorkflowDefinition(SQLModel, table=True):
    __tablename__ = "workflow_definitions"
    __table_args__ = (
        UniqueConstraint("company_id", "key", "version", name="uq_workflow_definitions_key_version"),
        tenant_key("workflow_definitions"),
        tenant_fk("workflow_definitions", "created_by", "users", ondelete="SET NULL"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    key: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    ext_ref: Any = jsonb(nullable=False, default=list)
    fields: Any = jsonb(nullable=False, default=list)
    start_task_key: str = Field(sa_column=Column(String(64), nullable=False))
    display_layout: Any = jsonb()
    bundle: Any = jsonb(nullable=False, default=dict)
    created_by: int | None = ref()
    created_at: datetime = now_col()


class TaskDefinition(SQLModel, table=True):
    __tablename__ = "task_definitions"
    __table_args__ = (
        UniqueConstraint("company_id", "workflow_definition_id", "key", name="uq_task_definitions_key"),
        Index("ix_task_definitions_company_key", "company_id", "key", "version"),
        tenant_key("task_definitions"),
        tenant_fk("task_definitions", "workflow_definition_id", "workflow_definitions", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_definition_id: int = ref(nullable=False)
    key: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    t_type: TaskType = Field(sa_column=Column(TASK_TYPE, nullable=False))
    input_schema: Any = jsonb()
    output_schema: Any = jsonb()
    input_transform: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    output_transform: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    action_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    timeout_seconds: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    edit_layout: Any = jsonb()
    display_layout: Any = jsonb()
    ext_ref: Any = jsonb(nullable=False, default=list)
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class WorkflowTransition(SQLModel, table=True):
    __tablename__ = "workflow_transitions"
    __table_args__ = (
        Index("ix_workflow_transitions_wf", "company_id", "workflow_definition_id"),
        tenant_fk("workflow_transitions", "workflow_definition_id", "workflow_definitions", ondelete="CASCADE"),
        tenant_fk("workflow_transitions", "from_task_id", "task_definitions", ondelete="CASCADE"),
        tenant_fk("workflow_transitions", "to_task_id", "task_definitions", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    workflow_definition_id: int = ref(nullable=False)
    from_task_id: int = ref(nullable=False)
    to_task_id: int | None = ref()
    condition: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    priority: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class TicketDefinition(SQLModel, table=True):
    __tablename__ = "ticket_definitions"
    __table_args__ = (
        UniqueConstraint("company_id", "key", "version", name="uq_ticket_definitions_key_version"),
        tenant_key("ticket_definitions"),
        tenant_fk("ticket_definitions", "created_by", "users", ondelete="SET NULL"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    key: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    workflow_key: str = Field(sa_column=Column(String(64), nullable=False))
    fields: Any = jsonb(nullable=False, default=dict)
    company_role_access: Any = jsonb(nullable=False, default=list)
    edit_layout: Any = jsonb()
    display_layout: Any = jsonb()
    ext_ref: Any = jsonb(nullable=False, default=list)
    editable_by: str = Field(default="requester", sa_column=Column(String(16), nullable=False,
                                                                  server_default="requester"))
    created_by: int | None = ref()
    created_at: datetime = now_col()
