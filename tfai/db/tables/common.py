"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, func
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
