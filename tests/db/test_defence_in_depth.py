"""Defence in depth below the services: tenant-consistent references, fixed search_path, no CREATE, column grants."""

from __future__ import annotations

import re

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.fixtures.isolation.rows import SPARE, Seed, insert_sql, row_for, seed_company
from tests.fixtures.tenants import World
from tfai.db.roles import UPDATABLE_COLUMNS
from tfai.db.session import tenant_tx
from tfai.db.tables import metadata
from tfai.settings import get_settings

INSUFFICIENT_PRIVILEGE = "42501"
COMPANY_TABLES = {t.name for t in metadata.tables.values() if "company_id" in t.c}
# References between company tables that may cross companies (alembic/versions/0014_defence_in_depth.py says why):
# a staff session lives in the platform company, and staff under a write grant act as their own platform user.
CROSS_COMPANY_BY_DESIGN = {
    ("sessions", "staff_grant_id"), ("ticket_instances", "created_by"), ("comments", "author_id"),
    ("file_uploads", "uploaded_by"), ("assistant_conversations", "user_id"), ("audit_log", "actor_user_id"),
}
REFERENCES_SQL = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""


def _references(owner: psycopg.Connection) -> list[tuple[str, list[str], str, list[str]]]:
    rows = owner.execute(REFERENCES_SQL).fetchall()
    return [(child, cols, parent, parent_cols) for child, parent, cols, parent_cols in rows
            if child in COMPANY_TABLES and parent in COMPANY_TABLES]


def _tenant_fks(owner: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(child, column, parent) of every (company_id, column) -> parent (company_id, id) constraint."""
    return [(child, cols[1], parent) for child, cols, parent, _ in _references(owner) if cols[0] == "company_id"]


def test_references_between_company_tables_carry_the_company(owner: psycopg.Connection) -> None:
    single = set()
    for child, cols, parent, parent_cols in _references(owner):
        if cols[0] == "company_id":
            assert (len(cols), parent_cols) == (2, ["company_id", "id"]), f"{child} -> {parent}"
        else:
            single.add((child, cols[0]))
    assert single == CROSS_COMPANY_BY_DESIGN
    assert len(_tenant_fks(owner)) >= 25


def _insert(owner: psycopg.Connection, child: str, row: dict[str, object]) -> None:
    sql, params = insert_sql(metadata.tables[child], row, style="psycopg")
    owner.execute(sql, params)


def _parent_row(seed: Seed, child: str, column: str, parent: str) -> int:
    """A parent row of seed's company the child may point at (a spare one where the reference is unique)."""
    return seed.spare[parent] if (child, column) in SPARE else seed.ids[parent]


def test_the_database_refuses_a_reference_to_another_companys_row(world: World, owner: psycopg.Connection) -> None:
    a, b = seed_company(owner, world.a.company_id), seed_company(owner, world.b.company_id)
    problems, references = [], _tenant_fks(owner)
    assert len(references) >= 25
    for child, column, parent in references:
        row = row_for(metadata.tables[child], a)
        try:  # the owner connection: neither row-level security nor grants apply, the constraint does
            with owner.transaction():
                _insert(owner, child, {**row, column: _parent_row(a, child, column, parent)})
                raise psycopg.Rollback()
            with owner.transaction():
                _insert(owner, child, {**row, column: _parent_row(b, child, column, parent)})
            problems.append(f"{child}.{column} accepted company b's {parent} row")
        except psycopg.errors.ForeignKeyViolation:
            pass
        except psycopg.Error as exc:
            problems.append(f"{child}.{column}: {type(exc).__name__}: {exc}")
    assert not problems, "\n".join(problems)


def test_deleting_a_parent_clears_only_the_reference(world: World, owner: psycopg.Connection) -> None:
    a = seed_company(owner, world.a.company_id)
    proposals, messages = metadata.tables["assistant_proposals"], metadata.tables["assistant_messages"]
    sql, params = insert_sql(proposals, row_for(proposals, a), style="psycopg")
    proposal = owner.execute(sql, params).fetchone()
    assert proposal is not None
    sql, params = insert_sql(messages, {**row_for(messages, a), "proposal_id": proposal[0]}, style="psycopg")
    message = owner.execute(sql, params).fetchone()
    assert message is not None
    owner.execute("DELETE FROM assistant_proposals WHERE id = %s", (proposal[0],))
    kept = owner.execute("SELECT company_id, proposal_id FROM assistant_messages WHERE id = %s", (message[0],))
    assert kept.fetchone() == (world.a.company_id, None)  # SET NULL (proposal_id): company_id is not nulled


def test_security_definer_functions_run_on_a_fixed_path_with_qualified_tables(owner: psycopg.Connection) -> None:
    rows = owner.execute("SELECT p.proname, p.proconfig, p.prosrc FROM pg_proc p "
                         "WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef").fetchall()
    assert len(rows) >= 16
    tables = [r[0] for r in owner.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    unqualified = re.compile(rf"(?<![\w.])({'|'.join(map(re.escape, tables))})\b")
    for name, config, source in rows:
        assert config == ["search_path=pg_catalog, pg_temp"], name
        assert [m.group(1) for m in unqualified.finditer(source)] == [], f"{name} names a table without public."


async def test_nobody_but_the_owner_creates_in_public(world: World, owner: psycopg.Connection) -> None:
    role = get_settings().app_db_role
    can = owner.execute("SELECT has_schema_privilege('public', 'public', 'CREATE'), "
                        "has_schema_privilege(%s, 'public', 'CREATE')", (role,)).fetchone()
    assert can == (False, False)
    for statement in ("CREATE TABLE public.tfai_probe (x int)", "CREATE TABLE tfai_probe (x int)",
                      "CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS 'SELECT $1'"):
        with pytest.raises(DBAPIError) as refused:
            async with tenant_tx(world.a.company_id) as s:
                await s.execute(text(statement))
        assert getattr(refused.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, statement


def test_the_app_role_updates_only_the_listed_columns(owner: psycopg.Connection) -> None:
    role = get_settings().app_db_role
    for table, granted in UPDATABLE_COLUMNS.items():
        table_level = owner.execute("SELECT has_table_privilege(%s, %s, 'UPDATE')", (role, table)).fetchone()
        assert table_level == (False,), table
        for column in metadata.tables[table].c:
            can = owner.execute("SELECT has_column_privilege(%s, %s, %s, 'UPDATE')",
                                (role, table, column.name)).fetchone()
            assert can == (column.name in granted,), f"{table}.{column.name}"


@pytest.mark.parametrize(("table", "column"), [
    ("users", "company_id"), ("users", "created_at"), ("users", "totp_secret"), ("sessions", "user_id"),
    ("sessions", "token_hash"), ("staff_grants", "mode"), ("staff_grants", "staff_user_id"),
])
async def test_a_column_the_app_never_writes_is_refused(world: World, table: str, column: str) -> None:
    with pytest.raises(DBAPIError) as refused:
        async with tenant_tx(world.a.company_id) as s:
            await s.execute(text(f"UPDATE {table} SET {column} = {column}"))
    assert getattr(refused.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


async def test_the_columns_the_app_writes_stay_writable(world: World, owner: psycopg.Connection) -> None:
    uid = world.a.worker1.id
    async with tenant_tx(world.a.company_id) as s:
        for table, columns in UPDATABLE_COLUMNS.items():
            sets = ", ".join(f"{c} = {c}" for c in columns)
            await s.execute(text(f"UPDATE {table} SET {sets}"))
        await s.execute(text("UPDATE users SET first_name = 'Granted' WHERE id = :u"), {"u": uid})
    assert owner.execute("SELECT first_name FROM users WHERE id = %s", (uid,)).fetchone() == ("Granted",)
