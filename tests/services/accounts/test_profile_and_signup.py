"""Sign-up, the current user's profile, email and password changes, and the dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.fixtures.db_rows import ticket_with_task
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, RateLimited, Unauthorized
from tfai.domain.policy import StaffGrant
from tfai.domain.tokens import new_token
from tfai.services.accounts import profile, registration
from tfai.services.auth import sessions
from tfai.services.common import throttle
from tfai.services.dashboard import home

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture(autouse=True)
async def _clean_throttle(db_engine: None) -> AsyncIterator[None]:
    await throttle.clear_all()
    yield


def _email() -> str:
    return f"founder.{new_token(6)}@Example.com"


def _fields(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {d["field"] for d in exc.value.details}


async def test_signup_creates_company_role_and_admin(owner: psycopg.Connection, db_engine: None) -> None:
    email = _email()
    result = await registration.signup(company_name=" Acme ", email=email, password=PASSWORD, first_name="Ada",
                                       last_name="Lovelace", ip="10.9.1.1")
    company = owner.execute("SELECT name, is_platform, length(webhook_secret) FROM companies WHERE id = %s",
                            (result.company_id,)).fetchone()
    assert company is not None and company[:2] == ("Acme", False) and company[2] >= 32
    assert owner.execute("SELECT role_name, description FROM company_roles WHERE company_id = %s",
                         (result.company_id,)).fetchall() == [("user", "Everyone in the company")]
    user = owner.execute("SELECT company_id, email, first_name, password_hash FROM users WHERE id = %s",
                         (result.user_id,)).fetchone()
    assert user is not None and user[:3] == (result.company_id, email, "Ada") and user[3].startswith("$argon2id$")
    roles = {r[0] for r in owner.execute("SELECT role::text FROM user_system_roles WHERE user_id = %s",
                                         (result.user_id,))}
    assert roles == {"admin", "user"}
    assert owner.execute("SELECT count(*) FROM user_company_roles WHERE user_id = %s", (result.user_id,)).fetchone() \
        == (1,)
    assert owner.execute("SELECT action FROM audit_log WHERE company_id = %s", (result.company_id,)).fetchall() \
        == [("signup",)]
    actor = await sessions.authenticate_session(await sessions.finish_login(
        await sessions.start_login(email.lower(), PASSWORD, ip="10.9.0.1"), ip="", user_agent=""))
    assert (actor.user_id, actor.company_id) == (result.user_id, result.company_id)


async def test_signup_duplicate_email_conflicts_and_writes_nothing(world: World, owner: psycopg.Connection) -> None:
    before = owner.execute("SELECT count(*) FROM companies").fetchone()
    with pytest.raises(Conflict) as exc:
        await registration.signup(company_name="Dup", email=world.b.admin.email.upper(), password=PASSWORD,
                                  first_name="A", last_name="B", ip="10.9.1.2")
    assert exc.value.message == "An account with this email already exists"
    assert owner.execute("SELECT count(*) FROM companies").fetchone() == before


async def test_signup_field_errors(owner: psycopg.Connection, db_engine: None) -> None:
    before = owner.execute("SELECT count(*) FROM companies").fetchone()
    with pytest.raises(InvalidInput) as exc:
        await registration.signup(company_name="", email="not-an-email", password="short", first_name=" ",
                                  last_name="x" * 101, ip="10.9.1.3")
    assert _fields(exc) == {"company_name", "email", "password", "first_name", "last_name"}
    with pytest.raises(InvalidInput) as exc:
        await registration.signup(company_name="C", email=_email(), password="password123", first_name="A",
                                  last_name="B", ip="10.9.1.3")
    assert _fields(exc) == {"password"}
    assert owner.execute("SELECT count(*) FROM companies").fetchone() == before


async def test_signup_is_throttled_per_address_in_the_service(owner: psycopg.Connection, db_engine: None) -> None:
    """Every entry point (API and UI pass the client address) shares one per-address allowance, failures included."""
    ip = f"10.9.2.{datetime.now(UTC).microsecond % 250}"
    await throttle.reset(throttle.SIGNUP_IP, ip)
    before = owner.execute("SELECT count(*) FROM companies").fetchone()
    for _ in range(throttle.SIGNUP_IP.free + 1):  # the event past the free allowance starts the back-off
        with pytest.raises(InvalidInput):
            await registration.signup(company_name="", email="bad", password="x", first_name="", last_name="", ip=ip)
    with pytest.raises(RateLimited):
        await registration.signup(company_name="Acme", email=_email(), password=PASSWORD, first_name="A",
                                  last_name="B", ip=ip)
    assert owner.execute("SELECT count(*) FROM companies").fetchone() == before
    created = await registration.signup(company_name="Other address", email=_email(), password=PASSWORD,
                                        first_name="A", last_name="B", ip=ip + "1")
    assert created.company_id
    await throttle.reset(throttle.SIGNUP_IP, ip)


async def test_get_me(world: World) -> None:
    me = await profile.get_me(world.a.designer.actor)
    assert (me.id, me.email, me.company_id, me.company_name) == (
        world.a.designer.id, world.a.designer.email, world.a.company_id, world.a.name)
    assert me.system_roles == ["user", "workflow_creator"] and me.company_roles == ["user"]
    assert "definition.manage" in me.allowed_actions and "user.manage" not in me.allowed_actions
    assert "argon2" not in me.model_dump_json()


async def test_staff_under_grant_sees_the_company(world: World, owner: psycopg.Connection) -> None:
    grant = StaffGrant(grant_id=1, company_id=world.a.company_id, mode="read",
                       expires_at=datetime.now(UTC) + timedelta(hours=1), staff_user_id=999_999)
    actor = replace(world.a.admin.actor, user_id=999_999, email="nobody-staff@example.com", is_platform_staff=True,
                    staff=grant)
    me = await profile.get_me(actor)
    assert me.company_name == world.a.name and me.staff is not None and me.staff.mode == "read"
    with pytest.raises(Forbidden):
        await profile.update_profile(actor, first_name="X", last_name="Y")


async def test_update_profile(world: World, owner: psycopg.Connection) -> None:
    me = await profile.update_profile(world.a.worker1.actor, first_name=" Grace ", last_name="Hopper")
    assert (me.first_name, me.last_name) == ("Grace", "Hopper")
    assert owner.execute("SELECT first_name FROM users WHERE id = %s", (world.a.worker1.id,)).fetchone() == ("Grace",)
    with pytest.raises(InvalidInput) as exc:
        await profile.update_profile(world.a.worker1.actor, first_name="", last_name="Hopper")
    assert _fields(exc) == {"first_name"}
    assert owner.execute("SELECT count(*) FROM audit_log WHERE entity = 'user' AND entity_id = %s AND "
                         "action = 'update_profile'", (str(world.a.worker1.id),)).fetchone() == (1,)


async def test_change_email(world: World, owner: psycopg.Connection) -> None:
    actor = world.b.requester.actor
    with pytest.raises(InvalidInput) as exc:
        await profile.change_email(actor, new_email="new@example.com", password="wrong password!")
    assert _fields(exc) == {"password"}
    with pytest.raises(Conflict):
        await profile.change_email(actor, new_email=world.a.admin.email, password=PASSWORD)  # another company's
    new = _email()
    me = await profile.change_email(actor, new_email=new, password=PASSWORD)
    assert me.email == new
    assert await sessions.start_login(new, PASSWORD, ip="10.9.0.2")
    with pytest.raises(Unauthorized):
        await sessions.start_login(world.b.requester.email, PASSWORD, ip="10.9.0.2")


async def test_change_password_ends_other_sessions(world: World, owner: psycopg.Connection) -> None:
    member = world.a.ticket_admin

    async def login(password: str = PASSWORD) -> str:
        return await sessions.finish_login(await sessions.start_login(member.email, password, ip="10.9.0.3"), ip="",
                                       user_agent="")

    keep, other = await login(), await login()
    with pytest.raises(InvalidInput) as exc:
        await profile.change_password(member.actor, current_password="nope nope nope", new_password=NEW_PASSWORD)
    assert _fields(exc) == {"current_password"}
    with pytest.raises(InvalidInput) as exc:
        await profile.change_password(member.actor, current_password=PASSWORD, new_password="qwerty123")
    assert _fields(exc) == {"new_password"}
    await profile.change_password(member.actor, current_password=PASSWORD, new_password=NEW_PASSWORD,
                                   keep_session_token=keep)
    assert (await sessions.authenticate_session(keep)).user_id == member.id
    with pytest.raises(Unauthorized):
        await sessions.authenticate_session(other)
    with pytest.raises(Unauthorized):
        await login()
    assert await login(NEW_PASSWORD)


async def test_dashboard_counts(world: World, owner: psycopg.Connection) -> None:
    a, b = world.a, world.b
    ticket_with_task(owner, a.company_id, created_by=a.requester.id, assigned_to=a.worker1.id)
    ticket_with_task(owner, a.company_id, created_by=a.requester.id, w_status="ON_HOLD", t_status="IN_PROGRESS",
                     assigned_to=a.worker1.id)
    ticket_with_task(owner, a.company_id, created_by=a.requester.id, w_status="COMPLETED", t_status="COMPLETED",
                     assigned_to=a.worker1.id)
    ticket_with_task(owner, a.company_id, created_by=a.worker2.id, t_status="PENDING")
    ticket_with_task(owner, b.company_id, created_by=b.requester.id, assigned_to=b.worker1.id)
    mine = await home.dashboard(a.requester.actor)
    assert (mine.my_open_tickets, mine.my_open_tasks) == (2, 0)
    assert mine.company_open_tickets is None and mine.company_open_tasks is None
    worker = await home.dashboard(a.worker1.actor)
    assert (worker.my_open_tickets, worker.my_open_tasks) == (0, 2)
    boss = await home.dashboard(a.ticket_admin.actor)
    assert (boss.company_open_tickets, boss.company_open_tasks) == (3, 3)
    assert boss.me.id == a.ticket_admin.id
