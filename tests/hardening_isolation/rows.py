"""Minimal valid rows for every company table, built from the SQLModel metadata (parents looked up in a seed)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Boolean, Column, Date, DateTime, Enum, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from tfai.db.tables import metadata

COMPANY_TABLES = [t for t in metadata.sorted_tables if "company_id" in t.c]
# Values that keep a second row of a table clear of its unique keys (the seed row holds the first).
SEED_OVERRIDES: dict[str, dict[str, Any]] = {"staff_grants": {"mode": "read"},
                                             "assistant_usage": {"day": date(2000, 1, 1)}}
CRAFT_OVERRIDES: dict[str, dict[str, Any]] = {"staff_grants": {"mode": "read"},
                                              "assistant_usage": {"day": date(2000, 1, 2)},
                                              "user_system_roles": {"role": "task_worker"}}
SPARE = {("ticket_instances", "workflow_instance_id"): "workflow_instances",
         ("user_company_roles", "company_role_id"): "company_roles"}


@dataclass
class Seed:
    """One row of every company table of one company (ids by table), plus spare parents for unique FKs."""

    company_id: int
    ids: dict[str, int] = field(default_factory=dict)
    spare: dict[str, int] = field(default_factory=dict)


def _value(table: Table, col: Column[Any], seed: Seed, *, crafted: bool) -> Any:
    overrides = (CRAFT_OVERRIDES if crafted else SEED_OVERRIDES).get(table.name, {})
    if col.name in overrides:
        return overrides[col.name]
    if col.name == "company_id":
        return seed.company_id
    if col.foreign_keys:
        target = next(iter(col.foreign_keys)).column.table.name
        spare = SPARE.get((table.name, col.name))
        return seed.spare[spare] if crafted and spare else seed.ids[target]
    kind = col.type
    if isinstance(kind, Enum):
        return kind.enums[0]
    if isinstance(kind, JSONB):
        return {}
    if isinstance(kind, DateTime):
        return datetime.now(UTC) + timedelta(days=1)
    if isinstance(kind, Date):
        return date(2000, 1, 1)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):  # BigInteger too
        return 1
    length = kind.length if isinstance(kind, String) and kind.length else 32
    return secrets.token_hex(16)[: min(length, 32)]


def row_for(table: Table, seed: Seed, *, crafted: bool = True) -> dict[str, Any]:
    """The required columns of a new row of table in seed's company (optional ones are left to defaults)."""
    row = {}
    for col in table.columns:
        if col.name == "id":  # every surrogate key is a serial `id`
            continue
        if col.primary_key or (not col.nullable and col.server_default is None):
            row[col.name] = _value(table, col, seed, crafted=crafted)
    return row


def _cast(table: Table, name: str) -> str:
    kind = table.c[name].type
    if isinstance(kind, JSONB):
        return "jsonb"
    if isinstance(kind, Enum):
        return str(kind.name)
    return ""


def insert_sql(table: Table, row: dict[str, Any], *, style: str) -> tuple[str, dict[str, Any]]:
    """INSERT ... RETURNING the id (or company_id): style 'psycopg' (%(c)s) or 'sqlalchemy' (:c), with casts."""
    holders = []
    for name in row:
        holder = f"%({name})s" if style == "psycopg" else f":{name}"
        cast = _cast(table, name)
        holders.append(f"CAST({holder} AS {cast})" if cast else holder)
    params = {k: json.dumps(v) if isinstance(table.c[k].type, JSONB) else v for k, v in row.items()}
    returning = "id" if "id" in table.c else "company_id"
    sql = f"INSERT INTO {table.name} ({', '.join(row)}) VALUES ({', '.join(holders)}) RETURNING {returning}"
    return sql, params


def seed_company(conn: psycopg.Connection, company_id: int) -> Seed:
    """Insert (as the owner) one row of every company table for the company, parents first."""
    seed = Seed(company_id)
    for table in COMPANY_TABLES:
        sql, params = insert_sql(table, row_for(table, seed, crafted=False), style="psycopg")
        seed.ids[table.name] = int(conn.execute(sql, params).fetchone()[0])  # type: ignore[index]
    for parent in set(SPARE.values()):
        table = metadata.tables[parent]
        sql, params = insert_sql(table, row_for(table, seed, crafted=False), style="psycopg")
        seed.spare[parent] = int(conn.execute(sql, params).fetchone()[0])  # type: ignore[index]
    return seed
