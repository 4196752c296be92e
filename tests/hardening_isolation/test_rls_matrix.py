"""The row-level-security matrix: every company table x SELECT/INSERT/UPDATE/DELETE x who is asking, as raw SQL."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import CursorResult, Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.isolation.rows import COMPANY_TABLES, Seed, insert_sql, row_for, seed_company
from tests.fixtures.isolation.snapshot import snapshot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import PASSWORD, create_tenant
from tfai.db.session import tenant_tx
from tfai.domain.policy import Actor
from tfai.services.auth import sessions
from tfai.services.common.tx import actor_tx
from tfai.services.staff import access, setup

RLS_DENIED = INSUFFICIENT_PRIVILEGE = "42501"
READ_ONLY = "25006"
# What the app role may not do even in its own company (tfai/db/roles.py): the audit log is append-only,
# staff grants are created only by tfai_staff_grant_create and never deleted.
NOT_GRANTED = {"audit_log": {"UPDATE", "DELETE"}, "staff_grants": {"INSERT", "DELETE", "UPDATE"},
               "users": {"UPDATE"}, "sessions": {"UPDATE"}}  # only roles.UPDATABLE_COLUMNS, never company_id
SCENARIOS = ("own", "other", "none", "read_grant", "write_grant", "expired_grant")
_n = itertools.count(1)


@dataclass
class Matrix:
    a: Seed
    b: Seed
    contexts: dict[str, Callable[[], AbstractAsyncContextManager[AsyncSession]]]
    b_before: dict[str, str]
    staff_home: int  # the platform company an expired grant falls back to


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Raised:
    sqlstate: str


async def _staff_session(me: Actor, company_id: int, mode: str) -> tuple[str, int]:
    grant = await access.start_grant(me, company_id=company_id, reason="RLS matrix check", mode=mode, minutes=30)
    code = await access.switch_code(me, grant_id=grant.grant_id)
    return await sessions.finish_login(code, ip="10.9.9.9", user_agent="pytest"), grant.grant_id


@pytest.fixture(scope="module")
async def matrix(stack: Stack, db_engine: None) -> AsyncIterator[Matrix]:
    a, b = create_tenant(stack.database_url, "rls-a"), create_tenant(stack.database_url, "rls-b")
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        seeds = seed_company(conn, a.company_id), seed_company(conn, b.company_id)
        email = f"rls.staff{next(_n)}.{secrets.token_hex(3)}@ticketflower.example"
        created = await setup.create_staff_user(email=email, first_name="Rls", last_name="Staff", password=PASSWORD)
        home = conn.execute("SELECT company_id FROM users WHERE id = %s", (created.user_id,)).fetchone()
        assert home is not None
        me_token = await sessions.finish_login(await sessions.issue_login_code(created.user_id, int(home[0])),
                                           ip="10.9.9.9", user_agent="pytest")
        me = await sessions.authenticate_session(me_token)
        read_token, _ = await _staff_session(me, a.company_id, "read")
        write_token, _ = await _staff_session(me, a.company_id, "write")
        expired_token, expired_id = await _staff_session(me, a.company_id, "read")
        conn.execute("UPDATE staff_grants SET expires_at = now() - interval '1 second' WHERE id = %s", (expired_id,))
        b_before = snapshot(conn, b.company_id)
    read_actor = await sessions.authenticate_session(read_token)
    write_actor = await sessions.authenticate_session(write_token)
    expired_actor = await sessions.authenticate_session(expired_token)
    assert read_actor.staff is not None and read_actor.read_only and read_actor.company_id == a.company_id
    assert write_actor.staff is not None and not write_actor.read_only and write_actor.company_id == a.company_id
    # An expired grant no longer yields the company: the staff member is back in their own (platform) company.
    assert expired_actor.staff is None and expired_actor.company_id == int(home[0]) != a.company_id
    contexts: dict[str, Callable[[], AbstractAsyncContextManager[AsyncSession]]] = {
        "own": lambda: tenant_tx(a.company_id), "other": lambda: tenant_tx(a.company_id),
        "none": lambda: tenant_tx(None), "read_grant": lambda: actor_tx(read_actor),
        "write_grant": lambda: actor_tx(write_actor), "expired_grant": lambda: actor_tx(expired_actor),
    }
    yield Matrix(seeds[0], seeds[1], contexts, b_before, int(home[0]))


async def attempt(ctx: Callable[[], AbstractAsyncContextManager[AsyncSession]],
                  *statements: tuple[str, dict[str, Any]]) -> Any:
    """Run the statements in one transaction that is always rolled back: the last one's rowcount/scalar, or Raised."""
    try:
        async with ctx() as session:
            value: Any = None
            for sql, params in statements:
                result = await session.execute(text(sql), params)
                assert isinstance(result, CursorResult)  # a textual statement always gives a cursor result
                value = result.scalar() if result.returns_rows else result.rowcount
            raise _Rollback(value)
    except _Rollback as done:
        return done.args[0]
    except DBAPIError as exc:
        return Raised(str(getattr(exc.orig, "sqlstate", "")))


def owner_count(conn: psycopg.Connection, table: Table, company_id: int) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table.name} WHERE company_id = %s",  # type: ignore[index]
                            (company_id,)).fetchone()[0])


def expect_equal(problems: list[str], table: Table, got: Any, want: Any) -> None:
    if got != want:
        problems.append(f"{table.name}: got {got!r}, expected {want!r}")


def _target(m: Matrix, scenario: str) -> Seed:
    return m.b if scenario == "other" else m.a


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_select(matrix: Matrix, scenario: str, owner: psycopg.Connection) -> None:
    problems: list[str] = []
    ctx, a, b = matrix.contexts[scenario], matrix.a.company_id, matrix.b.company_id
    for table in COMPANY_TABLES:
        assert owner_count(owner, table, a) >= 1 and owner_count(owner, table, b) >= 1, table.name
        visible = await attempt(ctx, (f"SELECT count(*) FROM {table.name}", {}))
        foreign = await attempt(ctx, (f"SELECT count(*) FROM {table.name} WHERE company_id <> :a", {"a": a}))
        if scenario in ("own", "read_grant", "write_grant"):
            expect_equal(problems, table, (visible, foreign), (owner_count(owner, table, a), 0))
        elif scenario == "other":
            expect_equal(problems, table, await attempt(
                ctx, (f"SELECT count(*) FROM {table.name} WHERE company_id = :b", {"b": b})), 0)
        elif scenario == "expired_grant":  # back in the platform company: its own rows only, none of a's
            got = (await attempt(ctx, (f"SELECT count(*) FROM {table.name} WHERE company_id = :a", {"a": a})),
                   await attempt(ctx, (f"SELECT count(*) FROM {table.name} WHERE company_id <> :h",
                                       {"h": matrix.staff_home})))
            expect_equal(problems, table, got, (0, 0))
        else:
            expect_equal(problems, table, (visible, foreign), (0, 0))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_insert(matrix: Matrix, scenario: str) -> None:
    problems: list[str] = []
    for table in COMPANY_TABLES:
        got = await attempt(matrix.contexts[scenario],
                            insert_sql(table, row_for(table, _target(matrix, scenario)), style="sqlalchemy"))
        if scenario == "read_grant":
            expect_equal(problems, table, got, Raised(READ_ONLY))
        elif scenario in ("own", "write_grant") and "INSERT" not in NOT_GRANTED.get(table.name, ()):
            if not isinstance(got, int) or isinstance(got, bool):
                problems.append(f"{table.name}: own-company insert failed: {got!r}")
        else:
            expect_equal(problems, table, got, Raised(RLS_DENIED))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_update(matrix: Matrix, scenario: str, owner: psycopg.Connection) -> None:
    problems: list[str] = []
    ctx, a, b = matrix.contexts[scenario], matrix.a.company_id, matrix.b.company_id
    for table in COMPANY_TABLES:
        target = _target(matrix, scenario).company_id
        got = await attempt(ctx, (f"UPDATE {table.name} SET company_id = company_id WHERE company_id = :c",
                                  {"c": target}))
        if scenario == "read_grant":
            expect_equal(problems, table, got, Raised(READ_ONLY))
        elif "UPDATE" in NOT_GRANTED.get(table.name, ()):
            expect_equal(problems, table, got, Raised(INSUFFICIENT_PRIVILEGE))
        elif scenario in ("own", "write_grant"):
            expect_equal(problems, table, got, owner_count(owner, table, a))
            moved = await attempt(ctx, (f"UPDATE {table.name} SET company_id = :b WHERE company_id = :a",
                                        {"a": a, "b": b}))
            expect_equal(problems, table, moved, Raised(RLS_DENIED))  # no row may be moved into another company
        else:
            expect_equal(problems, table, got, 0)
    assert not problems, "\n".join(problems)


def _delete_new_row(table: Table, seed: Seed) -> list[tuple[str, dict[str, Any]]]:
    """Insert a fresh row, then delete exactly it (seed rows are referenced by others)."""
    row = row_for(table, seed)
    insert, params = insert_sql(table, row, style="sqlalchemy")
    if "id" in table.c:
        return [(insert, params), (f"DELETE FROM {table.name} WHERE id = (SELECT max(id) FROM {table.name})", {})]
    keys = [c.name for c in table.primary_key.columns]
    where = " AND ".join(f"{k}::text = CAST(:{k} AS text)" for k in keys)
    return [(insert, params), (f"DELETE FROM {table.name} WHERE {where}", {k: str(row[k]) for k in keys})]


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_delete(matrix: Matrix, scenario: str) -> None:
    problems: list[str] = []
    ctx = matrix.contexts[scenario]
    for table in COMPANY_TABLES:
        target = _target(matrix, scenario).company_id
        delete_all = (f"DELETE FROM {table.name} WHERE company_id = :c", {"c": target})
        if scenario == "read_grant":
            expect_equal(problems, table, await attempt(ctx, delete_all), Raised(READ_ONLY))
        elif "DELETE" in NOT_GRANTED.get(table.name, ()):
            expect_equal(problems, table, await attempt(ctx, delete_all), Raised(INSUFFICIENT_PRIVILEGE))
        elif scenario in ("own", "write_grant"):
            expect_equal(problems, table, await attempt(ctx, *_delete_new_row(table, matrix.a)), 1)
        else:
            expect_equal(problems, table, await attempt(ctx, delete_all), 0)
    assert not problems, "\n".join(problems)


async def test_companies_row_is_visible_only_to_itself(matrix: Matrix) -> None:
    a, b = matrix.a.company_id, matrix.b.company_id
    sql: tuple[str, dict[str, Any]] = ("SELECT count(*) FROM companies", {})
    assert await attempt(matrix.contexts["own"], sql) == 1
    assert await attempt(matrix.contexts["own"], ("SELECT count(*) FROM companies WHERE id = :b", {"b": b})) == 0
    assert await attempt(matrix.contexts["none"], sql) == 0
    assert await attempt(matrix.contexts["expired_grant"], ("SELECT count(*) FROM companies WHERE id = :a",
                                                            {"a": a})) == 0
    renamed = ("UPDATE companies SET name = name WHERE id = :b", {"b": b})
    assert await attempt(matrix.contexts["own"], renamed) == 0
    assert await attempt(matrix.contexts["read_grant"], renamed) == Raised(READ_ONLY)


def test_the_other_company_is_untouched(matrix: Matrix, owner: psycopg.Connection) -> None:
    """Runs last: nothing in the matrix changed company b's rows."""
    assert snapshot(owner, matrix.b.company_id) == matrix.b_before
