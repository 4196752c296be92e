"""Companies, users, roles, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from tfai.db.tables.common import company_fk, now_col, pk, ref, tenant_fk, tenant_key, ts
from tfai.db.tables.enums import SYSTEM_ROLES, SystemRole
from tfai.domain.limits import API_TOKEN_DEFAULT_DAYS


class Company(SQLModel, table=True):
    __tablename__ = "companies"
    __table_args__ = (
        Index("uq_companies_one_platform", "is_platform", unique=True, postgresql_where=text("is_platform")),
        CheckConstraint("staff_read_access IN ('allowed', 'approval', 'disabled')",
                        name="ck_companies_staff_read_access"),
    )

    id: int | None = pk()
    name: str = Field(sa_column=Column(String(200), nullable=False))
    is_platform: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                               server_default=text("false")))
    staff_write_allowed: bool = Field(default=True, sa_column=Column(Boolean, nullable=False,
                                                                      server_default=text("true")))
    # Grants into the company: allowed, approval (a company admin approves each one) or disabled (migration 0013).
    staff_read_access: str = Field(default="allowed", sa_column=Column(String(16), nullable=False,
                                                                        server_default="allowed"))
    webhook_secret: str = Field(sa_column=Column(String(128), nullable=False))
    created_at: datetime = now_col()


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_email_lower", text("lower(email)"), unique=True),
        tenant_key("users"),
        # The least-loaded assignable worker in one index probe (tfai/services/assignment.py, migration 0007).
        Index("ix_users_assignable", "company_id", "open_tasks", text("last_assigned_at NULLS FIRST"), "id",
              postgresql_where=text("is_active AND available AND is_worker")),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    email: str = Field(sa_column=Column(String(254), nullable=False))
    password_hash: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    first_name: str = Field(sa_column=Column(String(100), nullable=False))
    last_name: str = Field(sa_column=Column(String(100), nullable=False))
    is_active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true")))
    available: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true")))
    last_assigned_at: datetime | None = ts()
    # OPEN + IN_PROGRESS tasks assigned to the user, kept by the services under the company's assignment lock.
    open_tasks: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # Has the task_worker system role (trigger tr_user_system_roles_worker, migration 0007).
    is_worker: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    # Platform staff's second factor: the TOTP secret, the last time step used (no replay), hashed recovery codes.
    totp_secret: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    totp_last_step: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    recovery_code_hashes: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text), nullable=True))
    created_at: datetime = now_col()


class UserSystemRole(SQLModel, table=True):
    __tablename__ = "user_system_roles"
    __table_args__ = (
        Index("ix_user_system_roles_company", "company_id", "role"),
        tenant_fk("user_system_roles", "user_id", "users", ondelete="CASCADE"),
    )

    user_id: int = ref(primary_key=True)
    role: SystemRole = Field(sa_column=Column(SYSTEM_ROLES, primary_key=True))
    company_id: int = company_fk()


class CompanyRole(SQLModel, table=True):
    __tablename__ = "company_roles"
    __table_args__ = (
        UniqueConstraint("company_id", "role_name", name="uq_company_roles_name"),
        tenant_key("company_roles"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    role_name: str = Field(sa_column=Column(String(64), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = now_col()


class UserCompanyRole(SQLModel, table=True):
    __tablename__ = "user_company_roles"
    __table_args__ = (
        Index("ix_user_company_roles_company", "company_id", "company_role_id"),
        tenant_fk("user_company_roles", "user_id", "users", ondelete="CASCADE"),
        tenant_fk("user_company_roles", "company_role_id", "company_roles", ondelete="CASCADE"),
    )

    user_id: int = ref(primary_key=True)
    company_role_id: int = ref(primary_key=True)
    company_id: int = company_fk()


class Session(SQLModel, table=True):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_company_user", "company_id", "user_id"),
        tenant_fk("sessions", "user_id", "users", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    user_id: int = ref(nullable=False)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    # Not a tenant_fk: a staff member's session lives in the platform company, the grant in the customer's.
    staff_grant_id: int | None = Field(default=None, sa_column=Column(
        BigInteger, ForeignKey("staff_grants.id", ondelete="SET NULL"), nullable=True))
    user_agent: str = Field(default="", sa_column=Column(String(300), nullable=False, server_default=""))
    ip: str = Field(default="", sa_column=Column(String(64), nullable=False, server_default=""))
    created_at: datetime = now_col()
    last_seen_at: datetime = now_col()
    expires_at: datetime = ts(nullable=False)
    revoked_at: datetime | None = ts()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    __table_args__ = (
        Index("ix_api_tokens_company_user", "company_id", "user_id"),
        tenant_fk("api_tokens", "user_id", "users", ondelete="CASCADE"),
    )

    id: int | None = pk()
    company_id: int = company_fk()
    user_id: int = ref(nullable=False)
    name: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = now_col()
    # The service sets it (expires_in_days); rows inserted by hand get the default lifetime.
    expires_at: datetime = Field(sa_column=Column(
        DateTime(timezone=True), nullable=False,
        server_default=text(f"now() + interval '{API_TOKEN_DEFAULT_DAYS} days'")))
    # None: the user's whole authority; else the token may only do what these scopes allow (domain/policy.py).
    scopes: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text), nullable=True))
    last_used_at: datetime | None = ts()
    revoked_at: datetime | None = ts()


class PasswordToken(SQLModel, table=True):
    """A one-time set-password link handed to a new user (or a staff member)."""

    __tablename__ = "password_tokens"
    __table_args__ = (tenant_fk("password_tokens", "user_id", "users", ondelete="CASCADE"),)

    id: int | None = pk()
    company_id: int = company_fk()
    user_id: int = ref(nullable=False)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = now_col()
    expires_at: datetime = ts(nullable=False)
    used_at: datetime | None = ts()
