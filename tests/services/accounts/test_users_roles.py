"""Company users (list, create, edit, deactivate, set-password links) and company roles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest

from tests.fixtures.db_rows import ticket_with_task
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from tfai.domain.tokens import hash_token, new_token
from tfai.services.accounts import company_roles, users
from tfai.services.auth import api_tokens, sessions
from tfai.services.common import throttle

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture(autouse=True)
async def _clean_throttle(db_engine: None) -> AsyncIterator[None]:
    await throttle.clear_all()
    yield


def _email() -> str:
    return f"new.{new_token(6)}@example.com"


def _count(owner: psycopg.Connection, sql: str, *args: object) -> int:
    return int(owner.execute(sql, args).fetchone()[0])  # type: ignore[index]


async def _session(email: str, password: str = PASSWORD) -> str:
    return await sessions.finish_login(await sessions.start_login(email, password, ip="10.8.0.1"), ip="", user_agent="")


# --- users -----------------------------------------------------------------------------------------

async def test_list_users_is_company_scoped_searchable_and_paged(world: World) -> None:
    page = await users.list_users(world.a.admin.actor)
    assert page.total == 6 and {u.id for u in page.items} == {m.id for m in world.a.members.values()}
    assert "argon2" not in page.model_dump_json()
    found = await users.list_users(world.a.ticket_admin.actor, search=world.a.worker2.email[:12].upper())
    assert [u.id for u in found.items] == [world.a.worker2.id]
    paged = await users.list_users(world.a.admin.actor, page=2, page_size=4)
    assert (paged.total, len(paged.items), paged.page, paged.page_size) == (6, 2, 2, 4)
    assert (await users.list_users(world.a.admin.actor, page_size=1000)).page_size == 100
    assert (await users.list_users(world.a.admin.actor, search="%")).total == 0


@pytest.mark.parametrize("who", ["requester", "worker1", "designer"])
async def test_list_users_role_denied(world: World, who: str) -> None:
    with pytest.raises(Forbidden):
        await users.list_users(world.a.members[who].actor)


async def test_create_user_with_password(world: World, owner: psycopg.Connection) -> None:
    await company_roles.create_company_role(world.a.admin.actor, role_name="finance")
    email = _email()
    created = await users.create_user(world.a.admin.actor, email=email, first_name="Fin", last_name="Ance",
                                      system_roles=["task_worker"], company_roles=["finance"], password=NEW_PASSWORD)
    assert created.set_password_url is None
    page = await users.list_users(world.a.admin.actor, search=email)
    assert page.items[0].company_roles == ["finance", "user"] and page.items[0].system_roles == ["task_worker"]
    assert (await sessions.authenticate_session(await _session(email, NEW_PASSWORD))).user_id == created.id
    assert _count(owner, "SELECT count(*) FROM audit_log WHERE entity = 'user' AND action = 'create' "
                  "AND entity_id = %s", str(created.id)) == 1


async def test_create_user_with_a_set_password_link(world: World, owner: psycopg.Connection) -> None:
    email = _email()
    created = await users.create_user(world.b.admin.actor, email=email, first_name="L", last_name="Ink",
                                      system_roles=["user"], company_roles=[])
    assert created.set_password_url is not None
    assert created.set_password_url.startswith("http://localhost:3000/set-password?token=")
    token = created.set_password_url.split("token=", 1)[1]
    assert _count(owner, "SELECT count(*) FROM password_tokens WHERE token_hash = %s", hash_token(token)) == 1
    with pytest.raises(Unauthorized):
        await _session(email, NEW_PASSWORD)
    with pytest.raises(InvalidInput):
        await users.set_password_with_token(token, "short")
    await users.set_password_with_token(token, NEW_PASSWORD)
    assert await _session(email, NEW_PASSWORD)
    with pytest.raises(InvalidInput):
        await users.set_password_with_token(token, "another fine passphrase")  # single use
    expired = await users.create_user(world.b.admin.actor, email=_email(), first_name="E", last_name="X",
                                      system_roles=["user"], company_roles=[])
    assert expired.set_password_url is not None
    owner.execute("UPDATE password_tokens SET expires_at = now() - interval '1 second' WHERE user_id = %s",
                  (expired.id,))
    with pytest.raises(InvalidInput):
        await users.set_password_with_token(expired.set_password_url.split("token=", 1)[1], NEW_PASSWORD)


async def test_create_user_refusals_write_nothing(world: World, owner: psycopg.Connection) -> None:
    before = _count(owner, "SELECT count(*) FROM users")
    with pytest.raises(Forbidden):
        await users.create_user(world.a.ticket_admin.actor, email=_email(), first_name="A", last_name="B",
                                system_roles=["user"], company_roles=[])
    with pytest.raises(InvalidInput) as exc:
        await users.create_user(world.a.admin.actor, email=_email(), first_name="A", last_name="B",
                                system_roles=["user"], company_roles=["no-such-role"])
    assert exc.value.details[0]["field"] == "company_roles"
    with pytest.raises(InvalidInput) as exc:
        await users.create_user(world.a.admin.actor, email="bad", first_name="A", last_name="B",
                                system_roles=["superuser"], company_roles=[], password="abc")
    assert {d["field"] for d in exc.value.details} == {"email", "system_roles", "password"}
    with pytest.raises(Conflict):
        await users.create_user(world.a.admin.actor, email=world.b.worker1.email, first_name="A", last_name="B",
                                system_roles=["user"], company_roles=[])
    assert _count(owner, "SELECT count(*) FROM users") == before


async def test_update_user_roles_and_cross_company(world: World, owner: psycopg.Connection) -> None:
    updated = await users.update_user(world.a.admin.actor, world.a.requester.id,
                                      system_roles=["user", "ticket_admin"])
    assert updated.system_roles == ["ticket_admin", "user"]
    before = owner.execute("SELECT role::text FROM user_system_roles WHERE user_id = %s ORDER BY 1",
                           (world.b.requester.id,)).fetchall()
    with pytest.raises(NotFound):
        await users.update_user(world.a.admin.actor, world.b.requester.id, system_roles=["admin"], is_active=False)
    assert owner.execute("SELECT role::text FROM user_system_roles WHERE user_id = %s ORDER BY 1",
                         (world.b.requester.id,)).fetchall() == before
    assert owner.execute("SELECT is_active FROM users WHERE id = %s", (world.b.requester.id,)).fetchone() == (True,)
    with pytest.raises(Forbidden):
        await users.update_user(world.a.ticket_admin.actor, world.a.requester.id, system_roles=["admin"])
    with pytest.raises(Conflict):
        await users.update_user(world.a.admin.actor, world.a.admin.id, is_active=False)
    with pytest.raises(Conflict):
        await users.update_user(world.a.admin.actor, world.a.admin.id, system_roles=["user"])


async def test_deactivation_revokes_and_reassigns(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    session_token = await _session(a.worker1.email)
    api_token = await api_tokens.create_api_token(a.worker1.email, PASSWORD, name="cli", ip="10.8.0.2")
    _, task = ticket_with_task(owner, a.company_id, created_by=a.requester.id, assigned_to=a.worker1.id)
    result = await users.update_user(a.admin.actor, a.worker1.id, is_active=False)
    assert not result.is_active
    with pytest.raises(Unauthorized):
        await sessions.authenticate_session(session_token)
    with pytest.raises(Unauthorized):
        await sessions.authenticate_bearer(api_token)
    assert owner.execute("SELECT assigned_to, t_status::text FROM task_instances WHERE id = %s", (task,)).fetchone() \
        == (a.worker2.id, "OPEN")
    reactivated = await users.update_user(a.admin.actor, a.worker1.id, is_active=True)
    assert reactivated.is_active


async def test_availability_own_toggle_and_reassignment(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    _, task = ticket_with_task(owner, a.company_id, created_by=a.requester.id, assigned_to=a.worker2.id)
    off = await users.update_user(a.worker2.actor, a.worker2.id, available=False)
    assert not off.available
    assert owner.execute("SELECT assigned_to FROM task_instances WHERE id = %s", (task,)).fetchone() == (a.worker1.id,)
    with pytest.raises(Forbidden):
        await users.update_user(a.worker2.actor, a.worker1.id, available=False)
    with pytest.raises(Forbidden):
        await users.update_user(a.worker2.actor, a.worker2.id, available=True, system_roles=["admin"])
    assert (await users.update_user(a.admin.actor, a.worker2.id, available=True)).available


# --- company roles ---------------------------------------------------------------------------------

async def test_company_role_lifecycle(world: World, owner: psycopg.Connection) -> None:
    admin = world.a.admin.actor
    role = await company_roles.create_company_role(admin, role_name="hr", description="People team")
    assert (role.role_name, role.description, role.members) == ("hr", "People team", 0)
    with pytest.raises(Conflict):
        await company_roles.create_company_role(admin, role_name="hr")
    with pytest.raises(InvalidInput):
        await company_roles.create_company_role(admin, role_name="Bad Name!")
    await users.update_user(admin, world.a.requester.id, company_roles=["hr"])
    listed = {r.role_name: r.members for r in await company_roles.list_company_roles(admin)}
    assert listed == {"hr": 1, "user": 6}
    renamed = await company_roles.update_company_role(admin, "hr", new_name="people", description="")
    assert (renamed.role_name, renamed.description, renamed.members) == ("people", "", 1)
    with pytest.raises(Conflict):
        await company_roles.update_company_role(admin, "people", new_name="user")
    with pytest.raises(InvalidInput):
        await company_roles.update_company_role(admin, "user", new_name="everyone")
    described = await company_roles.update_company_role(admin, "user", description="All of us")
    assert described.description == "All of us"
    with pytest.raises(Conflict):
        await company_roles.delete_company_role(admin, "user")
    await company_roles.delete_company_role(admin, "people")
    assert _count(owner, "SELECT count(*) FROM company_roles WHERE company_id = %s", world.a.company_id) == 1
    assert _count(owner, "SELECT count(*) FROM user_company_roles WHERE user_id = %s", world.a.requester.id) == 1


async def test_company_roles_cross_company_and_denials(world: World, owner: psycopg.Connection) -> None:
    await company_roles.create_company_role(world.b.admin.actor, role_name="only-b")
    for call in (company_roles.update_company_role(world.a.admin.actor, "only-b", description="x"),
                 company_roles.delete_company_role(world.a.admin.actor, "only-b")):
        with pytest.raises(NotFound):
            await call
    assert _count(owner, "SELECT count(*) FROM company_roles WHERE role_name = 'only-b' AND description = ''") == 1
    assert "only-b" not in {r.role_name for r in await company_roles.list_company_roles(world.a.admin.actor)}
    with pytest.raises(Forbidden):
        await company_roles.create_company_role(world.a.ticket_admin.actor, role_name="x")
    with pytest.raises(Forbidden):
        await company_roles.delete_company_role(world.a.designer.actor, "user")
    with pytest.raises(Forbidden):
        await company_roles.list_company_roles(world.a.requester.actor)
