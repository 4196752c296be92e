"""Audit log, staff access grants, the actions outbox and the assistant's records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, String, Text, text
from sqlmodel import Field, SQLModel

from tfai.db.tables.common import company_fk, fk, jsonb, now_col, pk, ref, tenant_fk, tenant_key, ts


class AuditLog(SQLModel, table=True):
    """Append-only: the app role may insert and select, never update or delete."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_company", "company_id", "id"),
        Index("ix_audit_log_entity", "company_id", "entity", "entity_id"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    actor_user_id: int | None = fk("users.id", ondelete="SET NULL")
    real_actor_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    staff_grant_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    entity: str = Field(sa_column=Column(String(64), nullable=False))
    entity_id: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(64), nullable=False))
    before: Any = jsonb()
    after: Any = jsonb()
    created_at: datetime = now_col()


class StaffGrant(SQLModel, table=True):
    __tablename__ = "staff_grants"
    __table_args__ = (Index("ix_staff_grants_company", "company_id", "id"),)

    id: int | None = pk()
    company_id: int = company_fk()
    staff_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    staff_email: str = Field(sa_column=Column(String(254), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    mode: str = Field(sa_column=Column(String(8), nullable=False))
    created_at: datetime = now_col()
    expires_at: datetime = ts(nullable=False)
    ended_at: datetime | None = ts()
    # None: no approval needed; 'pending' until a company admin decides, then 'approved' or 'denied'.
    approval: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decided_at: datetime | None = ts()


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_company", "company_id", "id"),
        tenant_fk("outbox", "task_instance_id", "task_instances", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    task_instance_id: int = ref(nullable=False)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    created_at: datetime = now_col()
    published_at: datetime | None = ts()
    publish_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class ActionAttempt(SQLModel, table=True):
    __tablename__ = "action_attempts"
    __table_args__ = (
        Index("ix_action_attempts_task", "company_id", "task_instance_id", "id"),
        tenant_fk("action_attempts", "task_instance_id", "task_instances", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    task_instance_id: int = ref(nullable=False)
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    webhook_id: str = Field(sa_column=Column(String(64), nullable=False))
    started_at: datetime = now_col()
    finished_at: datetime | None = ts()
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    duration_ms: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CallbackToken(SQLModel, table=True):
    __tablename__ = "callback_tokens"
    __table_args__ = (
        Index("ix_callback_tokens_task", "company_id", "task_instance_id"),
        tenant_fk("callback_tokens", "task_instance_id", "task_instances", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    task_instance_id: int = ref(nullable=False)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = now_col()
    expires_at: datetime = ts(nullable=False)
    used_at: datetime | None = ts()


class AssistantConversation(SQLModel, table=True):
    __tablename__ = "assistant_conversations"
    __table_args__ = (
        Index("ix_assistant_conversations_user", "company_id", "user_id", "id"),
        tenant_key("assistant_conversations"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    # Not a tenant_fk: staff under a grant may use the assistant as their own (platform) user.
    user_id: int = Field(sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    title: str = Field(default="New conversation", sa_column=Column(String(200), nullable=False))
    created_at: datetime = now_col()
    updated_at: datetime = now_col()


class AssistantProposal(SQLModel, table=True):
    __tablename__ = "assistant_proposals"
    __table_args__ = (
        Index("ix_assistant_proposals_conv", "company_id", "conversation_id"),
        tenant_key("assistant_proposals"),
        tenant_fk("assistant_proposals", "conversation_id", "assistant_conversations", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    conversation_id: int = ref(nullable=False)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    bundle: Any = jsonb(nullable=False, default=dict)
    valid: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    errors: Any = jsonb(nullable=False, default=list)
    warnings: Any = jsonb(nullable=False, default=list)
    placeholders: Any = jsonb(nullable=False, default=list)
    repair_rounds: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    status: str = Field(default="pending", sa_column=Column(String(16), nullable=False, server_default="pending"))
    created_at: datetime = now_col()


class AssistantMessage(SQLModel, table=True):
    __tablename__ = "assistant_messages"
    __table_args__ = (
        Index("ix_assistant_messages_conv", "company_id", "conversation_id", "id"),
        tenant_fk("assistant_messages", "conversation_id", "assistant_conversations", ondelete="CASCADE"),
        tenant_fk("assistant_messages", "proposal_id", "assistant_proposals", ondelete="SET NULL"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    conversation_id: int = ref(nullable=False)
    role: str = Field(sa_column=Column(String(16), nullable=False))
    content: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    proposal_id: int | None = ref()
    tokens: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = now_col()


class AssistantUsage(SQLModel, table=True):
    __tablename__ = "assistant_usage"

    company_id: int = Field(sa_column=Column(BigInteger, ForeignKey("companies.id", ondelete="CASCADE"),
                                             primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    prompt_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    completion_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
