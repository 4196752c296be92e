"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, ForeignKeyConstraint, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def now_col() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False,
                                                          server_default=func.now()))


def ts(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def jsonb(nullable: bool = True, default: Any = None) -> Any:
    if default is None:
        return Field(default=None, sa_column=Column(JSONB, nullable=nullable))
    return Field(default_factory=lambda: default() if callable(default) else default,
                 sa_column=Column(JSONB, nullable=nullable))


def company_fk() -> Any:
    return Field(sa_column=Column(BigInteger, ForeignKey("companies.id", ondelete="CASCADE"),
                                  nullable=False, index=False))


def fk(target: str, nullable: bool = True, ondelete: str | None = None) -> Any:
    return Field(default=None, sa_column=Column(BigInteger, ForeignKey(target, ondelete=ondelete),
                                                nullable=nullable))


def pk() -> Any:
    return Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))


def ref(nullable: bool = True, primary_key: bool = False) -> Any:
    """A reference column whose foreign key is a composite tenant_fk in the table's __table_args__."""
    if nullable and not primary_key:
        return Field(default=None, sa_column=Column(BigInteger, nullable=True))
    return Field(sa_column=Column(BigInteger, nullable=False, primary_key=primary_key))


def tenant_key(table: str) -> UniqueConstraint:
    """UNIQUE (company_id, id): the target of the tenant_fk constraints of the table's children (migration 0014)."""
    return UniqueConstraint("company_id", "id", name=f"uq_{table}_company_id")


def tenant_fk(table: str, column: str, parent: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    """(company_id, column) references parent (company_id, id): a row can never point at another company's row.

    SET NULL clears only the reference (PostgreSQL 15 column list): company_id is NOT NULL and stays.
    """
    action = f"SET NULL ({column})" if ondelete == "SET NULL" else ondelete
    return ForeignKeyConstraint(["company_id", column], [f"{parent}.company_id", f"{parent}.id"],
                                name=f"fk_{table}_{column}_tenant", ondelete=action)
