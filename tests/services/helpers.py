"""Helpers for runtime tests: install example bundles, add workers and company roles, read what was written."""

from __future__ import annotations

import copy
import itertools
import secrets
from dataclasses import replace
from typing import Any

import psycopg

from tests.domain.helpers import example
from tests.fixtures.tenants import Member, Tenant, password_hash
from tfai.domain.policy import Actor
from tfai.services.definitions.bundles import save_bundle

_n = itertools.count(1)


async def install(tenant: Tenant, name: str = "laptop-request.json", bundle: dict[str, Any] | None = None) -> None:
    """Save an example bundle (or the given one) as the tenant's designer."""
    await save_bundle(tenant.designer.actor, bundle if bundle is not None else example(name))


def add_worker(owner: psycopg.Connection, tenant: Tenant, label: str = "worker") -> Member:
    """Insert one more active task worker into the tenant (as the owner)."""
    email = f"{label}{next(_n)}.{secrets.token_hex(3)}@example.com"
    uid = owner.execute(
        "INSERT INTO users (company_id, email, password_hash, first_name, last_name) VALUES (%s, %s, %s, 'W', 'X') "
        "RETURNING id", (tenant.company_id, email, password_hash())).fetchone()[0]  # type: ignore[index]
    for role in ("task_worker", "user"):
        owner.execute("INSERT INTO user_system_roles (user_id, role, company_id) VALUES (%s, %s, %s)",
                      (uid, role, tenant.company_id))
    member = Member(id=uid, email=email, system_roles=("task_worker", "user"), company_id=tenant.company_id)
    tenant.members[f"{label}{uid}"] = member
    return member


def with_company_roles(actor: Actor, *roles: str) -> Actor:
    return replace(actor, company_roles=frozenset(roles))


def set_flags(owner: psycopg.Connection, user_id: int, **flags: bool) -> None:
    for key, value in flags.items():
        assert key in ("available", "is_active")
        owner.execute(f"UPDATE users SET {key} = %s WHERE id = %s", (value, user_id))


def count(owner: psycopg.Connection, sql: str, *args: Any) -> int:
    return int(owner.execute(sql, args).fetchone()[0])  # type: ignore[index]


def loads(owner: psycopg.Connection, company_id: int) -> dict[int, int]:
    """user id -> OPEN + IN_PROGRESS tasks, for the company's task workers."""
    rows = owner.execute(
        "SELECT u.id, count(t.id) FROM users u JOIN user_system_roles r ON r.user_id = u.id AND r.role = 'task_worker' "
        "LEFT JOIN task_instances t ON t.assigned_to = u.id AND t.t_status IN ('OPEN', 'IN_PROGRESS') "
        "WHERE u.company_id = %s GROUP BY u.id", (company_id,)).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def task_row(owner: psycopg.Connection, task_id: int) -> dict[str, Any]:
    cur = owner.execute("SELECT t.*, d.key FROM task_instances t "
                        "JOIN task_definitions d ON d.id = t.task_definition_id WHERE t.id = %s", (task_id,))
    names = [c.name for c in cur.description or []]
    row = cur.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def workflow_of_ticket(owner: psycopg.Connection, ticket_id: int) -> dict[str, Any]:
    cur = owner.execute("SELECT w.* FROM workflow_instances w JOIN ticket_instances t ON t.workflow_instance_id = w.id "
                        "WHERE t.id = %s", (ticket_id,))
    names = [c.name for c in cur.description or []]
    row = cur.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def snapshot(owner: psycopg.Connection, company_id: int) -> tuple[int, ...]:
    """Counts of every runtime table of the company, to prove nothing was written."""
    tables = ("ticket_instances", "workflow_instances", "task_instances", "comments", "file_uploads", "outbox")
    return tuple(count(owner, f"SELECT count(*) FROM {t} WHERE company_id = %s", company_id) for t in tables)


def worker_actor(tenant: Tenant, user_id: int) -> Actor:
    member = next(m for m in tenant.members.values() if m.id == user_id)
    return member.actor


def laptop_with_quote() -> dict[str, Any]:
    """The laptop example whose approval also takes the signed quote, shown as a `file` field."""
    bundle = copy.deepcopy(example("laptop-request.json"))
    approve = next(t for t in bundle["workflow"]["tasks"] if t["key"] == "approve")
    approve["output_schema"]["properties"]["quote"] = {"type": "string", "contentMediaType": "application/pdf"}
    approve["edit_layout"]["sections"][0]["fields"].append("quote")
    approve["edit_layout"]["widgets"]["quote"] = "file"
    return bundle
