"""Row-level security: catalog facts and raw SQL as the app role cannot cross companies."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

from tests.fixtures.tenants import World
from tfai.db.session import tenant_tx
from tfai.db.tables import metadata
from tfai.db.urls import app_url
from tfai.settings import get_settings

COMPANY_TABLES = sorted(t.name for t in metadata.sorted_tables if "company_id" in t.c)


def test_every_company_table_has_forced_rls(owner: psycopg.Connection) -> None:
    rows = owner.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
    ).fetchall()
    flags = {name: (enabled, forced) for name, enabled, forced in rows}
    assert COMPANY_TABLES, "the model has company tables"
    for table in [*COMPANY_TABLES, "companies"]:
        assert flags[table] == (True, True), f"{table} must ENABLE and FORCE row level security"
    policies = {r[0] for r in owner.execute("SELECT tablename FROM pg_policies WHERE schemaname = 'public'")}
    assert set(COMPANY_TABLES) | {"companies"} <= policies


def test_app_role_is_unprivileged_and_owns_nothing(owner: psycopg.Connection) -> None:
    role = get_settings().app_db_role
    superuser, bypass = owner.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (role,)).fetchone()  # type: ignore[misc]
    assert (superuser, bypass) == (False, False)
    owned = owner.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", (role,)
    ).fetchone()
    assert owned == (0,)


async def test_no_tenant_sees_nothing(world: World) -> None:
    async with tenant_tx(None) as s:
        assert (await s.execute(text("SELECT count(*) FROM users"))).scalar_one() == 0
        assert (await s.execute(text("SELECT count(*) FROM companies"))).scalar_one() == 0


async def test_unqualified_statements_touch_only_own_company(world: World, owner: psycopg.Connection) -> None:
    b_before = owner.execute("SELECT first_name FROM users WHERE company_id = %s ORDER BY id",
                             (world.b.company_id,)).fetchall()
    async with tenant_tx(world.a.company_id) as s:
        ids = {r[0] for r in (await s.execute(text("SELECT company_id FROM users"))).all()}
        assert ids == {world.a.company_id}
        await s.execute(text("UPDATE users SET first_name = 'Changed'"))
        await s.execute(text("DELETE FROM user_company_roles"))
    b_after = owner.execute("SELECT first_name FROM users WHERE company_id = %s ORDER BY id",
                            (world.b.company_id,)).fetchall()
    assert b_after == b_before
    left = owner.execute("SELECT count(*) FROM user_company_roles WHERE company_id = %s",
                         (world.b.company_id,)).fetchone()
    assert left == (len(world.b.members),)
    a_names = {r[0] for r in owner.execute("SELECT first_name FROM users WHERE company_id = %s",
                                           (world.a.company_id,))}
    assert a_names == {"Changed"}


async def test_insert_for_another_company_fails(world: World, owner: psycopg.Connection) -> None:
    with pytest.raises((ProgrammingError, DBAPIError)):
        async with tenant_tx(world.a.company_id) as s:
            await s.execute(text("INSERT INTO company_roles (company_id, role_name) VALUES (:c, 'sneaky')"),
                            {"c": world.b.company_id})
    count = owner.execute("SELECT count(*) FROM company_roles WHERE role_name = 'sneaky'").fetchone()
    assert count == (0,)


async def test_app_role_cannot_create_companies_or_escalate(world: World) -> None:
    with pytest.raises((ProgrammingError, DBAPIError)):
        async with tenant_tx(world.a.company_id) as s:
            await s.execute(text("UPDATE companies SET is_platform = true"))
    with pytest.raises((ProgrammingError, DBAPIError)):
        async with tenant_tx(world.a.company_id) as s:
            await s.execute(text("INSERT INTO companies (name, webhook_secret) VALUES ('x', 'y')"))


async def test_audit_log_is_append_only(world: World) -> None:
    async with tenant_tx(world.a.company_id) as s:
        await s.execute(text("INSERT INTO audit_log (company_id, entity, entity_id, action) "
                             "VALUES (:c, 'test', '1', 'created')"), {"c": world.a.company_id})
    with pytest.raises((ProgrammingError, DBAPIError)):
        async with tenant_tx(world.a.company_id) as s:
            await s.execute(text("DELETE FROM audit_log"))


async def test_tenant_does_not_leak_across_a_pooled_connection(world: World) -> None:
    engine = create_async_engine(app_url(get_settings()), poolclass=StaticPool)
    try:
        for company, other in ((world.a, world.b), (world.b, world.a)):
            async with engine.connect() as conn:
                async with conn.begin():
                    await conn.execute(text("SELECT set_config('app.company_id', :c, true)"),
                                       {"c": str(company.company_id)})
                    ids = {r[0] for r in (await conn.execute(text("SELECT company_id FROM users"))).all()}
                    assert ids == {company.company_id}
                async with conn.begin():
                    leaked = (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one()
                    assert leaked == 0, "the tenant setting must end with the transaction"
            assert other.company_id not in ids
    finally:
        await engine.dispose()


def test_security_definer_functions_are_not_executable_by_public(owner: psycopg.Connection) -> None:
    role = get_settings().app_db_role
    rows = owner.execute(
        "SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE'), "
        "has_function_privilege(%s, p.oid, 'EXECUTE') FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.prosecdef", (role,)
    ).fetchall()
    assert rows, "the narrow cross-tenant functions exist"
    assert [name for name, public, _ in rows if public] == []
    assert [name for name, _, app in rows if not app] == [], "tfai migrate grants the app role"
