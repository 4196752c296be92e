"""The staff access page (read-access setting, approve or deny waiting grants, views per grant) and the staff
console's requests that wait for a company's approval, through the states' handlers with a real database."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

from tests.fixtures.staff import Staffer, login, totp_now
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.policy import Actor
from tfai.services.auth import sessions
from tfai.services.common import throttle
from tfai.services.staff import access, approval, history, setup
from tfai.ui.pages import load_all

load_all()

from tfai.ui.state.admin_staff_access import (  # noqa: E402 - pages register their states in load_all
    READ_ACCESS_CHOICES,
    READ_ACCESS_NOTICES,
    AdminStaffAccessState,
)
from tfai.ui.state.auth import AuthState  # noqa: E402
from tfai.ui.state.staff_console import GRANTS_PAGE_SIZE, StaffConsoleState  # noqa: E402

REASON = "Customer asked about a stuck ticket"


def test_every_read_access_setting_is_offered_and_explained() -> None:
    assert [c["value"] for c in READ_ACCESS_CHOICES] == list(approval.READ_ACCESS)
    assert set(READ_ACCESS_NOTICES) == set(approval.READ_ACCESS)
    assert all(c["label"] and len(c["help"]) > 20 for c in READ_ACCESS_CHOICES)


class Session:
    """The actor the guard finds in the tab's session (the tests swap it instead of sending cookies)."""

    actor: Actor | None = None


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Session:
    current = Session()

    async def from_session(self: Any) -> Actor | None:
        return current.actor

    monkeypatch.setattr(AuthState, "_guard", from_session)
    return current


@pytest.fixture
async def staffer(db_engine: None) -> AsyncIterator[Staffer]:
    await throttle.clear_all()
    email = f"staff.ui.{secrets.token_hex(4)}@ticketflower.example"
    created = await setup.create_staff_user(email=email, first_name="Sam", last_name="Staff", password=PASSWORD)
    uri = created.second_factor.totp_uri
    yield Staffer(user_id=created.user_id, email=email, token=await login(email, second_factor=totp_now(uri)),
                  totp_uri=uri)
    await throttle.clear_all()


async def _login_actor(email: str, totp_uri: str) -> Actor:
    return await sessions.authenticate_session(await login(email, second_factor=totp_now(totp_uri)))


async def _state(cls: type) -> Any:
    manager: Any = StateManagerMemory()  # type: ignore[abstract]  # mypy misreads its overloads as abstract
    async with manager.modify_state(BaseStateToken(ident=secrets.token_hex(4), cls=State)) as root:
        return await root.get_state(cls)


async def _call(state: Any, handler: str, *args: Any) -> Any:
    return await type(state).event_handlers[handler].fn(state, *args)


async def test_an_admin_requires_approval_then_approves_and_denies_waiting_grants(
        world: World, session: Session, staffer: Staffer) -> None:
    page = await _state(AdminStaffAccessState)
    session.actor = world.a.admin.actor
    await _call(page, "load")
    assert page.read_access == "allowed" and page.can_change is True and page.pending == []
    await _call(page, "set_read_access", "approval")
    assert page.read_access == "approval" and page.notice == READ_ACCESS_NOTICES["approval"] and page.error == ""

    me = await staffer.actor()
    first = await access.start_grant(me, company_id=world.a.company_id, reason=REASON, minutes=30)
    second = await access.start_grant(me, company_id=world.a.company_id, reason=REASON, minutes=30)
    await _call(page, "load")
    assert [g["id"] for g in page.pending] == [str(second.grant_id), str(first.grant_id)]
    assert page.pending[0]["who"] == staffer.email and page.pending[0]["views"] == 0

    await _call(page, "decide", str(first.grant_id), True)
    assert page.error == "" and page.notice.startswith(f"{staffer.email} may now enter")
    await _call(page, "decide", str(second.grant_id), False)
    assert page.notice == f"The grant of {staffer.email} is denied." and page.pending == []
    assert {g["id"]: g["status"] for g in page.grants} == {str(first.grant_id): "active",
                                                           str(second.grant_id): "denied"}
    await _call(page, "decide", str(second.grant_id), True)  # it no longer waits: refused, and said so
    assert page.error == "This grant does not wait for approval (any more)" and page.notice == ""


async def test_another_companys_admin_cannot_decide_and_staff_cannot_change_the_setting(
        world: World, session: Session, staffer: Staffer) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    waiting = await access.start_grant(await staffer.actor(), company_id=world.a.company_id, reason=REASON)

    other = await _state(AdminStaffAccessState)
    session.actor = world.b.admin.actor
    await _call(other, "load")
    assert other.grants == [] and other.pending == []
    await _call(other, "decide", str(waiting.grant_id), True)
    assert other.error == "Grant not found"
    assert (await history.list_grants(world.a.admin.actor)).items[0].status == "pending"

    page = await _state(AdminStaffAccessState)
    session.actor = world.a.admin.actor
    await _call(page, "set_read_access", "sometimes")
    assert page.error and page.read_access == "approval"


async def test_disabling_ends_waiting_grants(world: World, session: Session, staffer: Staffer) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    await access.start_grant(await staffer.actor(), company_id=world.a.company_id, reason=REASON)
    page = await _state(AdminStaffAccessState)
    session.actor = world.a.admin.actor
    await _call(page, "set_read_access", "disabled")
    assert page.read_access == "disabled" and page.pending == []
    assert [g["status"] for g in page.grants] == ["ended"]


async def test_the_console_lists_my_grants_and_enters_one_only_once_approved(
        world: World, session: Session, staffer: Staffer) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    console = await _state(StaffConsoleState)
    session.actor = await staffer.actor()
    await _call(console, "load")
    assert console.grants == [] and console.grants_total == 0
    # The console lists one page of companies: search, as staff do, so the test's company is on it.
    await _call(console, "do_search", {"search": world.a.name})
    console.open_switch(str(world.a.company_id))
    assert console.switch_open is True
    await _call(console, "start_switch", {"reason": REASON, "mode": "read", "minutes": "45"})
    assert console.hop_url == "" and console.switch_open is False and console.switch_error == ""
    assert [(r["company"], r["status"], r["status_text"], r["duration"], r["can_enter"]) for r in console.grants] == [
        (world.a.name, "pending", "waiting for approval", "45 min", False)]
    assert "waits for one of its admins" in console.notice
    waiting = console.grants[0]["id"]

    # Entering before the approval (a stale button, a crafted event) says why, and nothing switches.
    await _call(console, "enter_grant", waiting)
    assert console.hop_url == ""
    assert console.error.startswith(f"{world.a.name} has not approved this grant yet")

    # A grant of another staff member is not found, and nothing switches.
    other_email = f"other.ui.{secrets.token_hex(4)}@ticketflower.example"
    created = await setup.create_staff_user(email=other_email, first_name="O", last_name="Ther", password=PASSWORD)
    other = await _login_actor(other_email, created.second_factor.totp_uri)
    theirs = await access.start_grant(other, company_id=world.b.company_id, reason=REASON)
    await _call(console, "enter_grant", str(theirs.grant_id))
    assert console.hop_url == "" and console.error == "Grant not found"
    assert str(theirs.grant_id) not in {g["id"] for g in console.grants}

    await approval.decide_grant(world.a.admin.actor, int(waiting), approve=True)
    await _call(console, "refresh_grants")
    assert [(r["id"], r["status"], r["status_text"], r["can_enter"]) for r in console.grants] == [
        (waiting, "active", "approved, live", True)]
    await _call(console, "enter_grant", waiting)
    assert console.hop_url.startswith("/api/v1/auth/session?code=")


async def test_a_refused_grant_shows_as_refused_and_cannot_be_entered(world: World, session: Session,
                                                                      staffer: Staffer) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    me = await staffer.actor()
    refused = await access.start_grant(me, company_id=world.a.company_id, reason=REASON)
    await approval.decide_grant(world.a.admin.actor, refused.grant_id, approve=False)
    console = await _state(StaffConsoleState)
    session.actor = me
    await _call(console, "load")
    assert [(r["status"], r["status_text"], r["can_enter"]) for r in console.grants] == [("denied", "refused", False)]
    await _call(console, "enter_grant", str(refused.grant_id))
    assert console.hop_url == "" and console.error.startswith(f"{world.a.name} refused this grant")


async def test_my_grants_are_paginated(world: World, session: Session, staffer: Staffer) -> None:
    me = await staffer.actor()
    ids = [(await access.start_grant(me, company_id=world.b.company_id, reason=REASON)).grant_id
           for _ in range(GRANTS_PAGE_SIZE + 1)]
    console = await _state(StaffConsoleState)
    session.actor = me
    await _call(console, "load")
    assert console.grants_total == GRANTS_PAGE_SIZE + 1 and console.grants_pages == 2
    assert [r["id"] for r in console.grants] == [str(i) for i in reversed(ids[1:])]
    await _call(console, "grants_to_page", 2)
    assert console.grants_page == 2 and [r["id"] for r in console.grants] == [str(ids[0])]
    await _call(console, "grants_to_page", 99)
    assert console.grants_page == 2


async def test_a_company_that_allows_access_is_entered_at_once(world: World, session: Session,
                                                               staffer: Staffer) -> None:
    console = await _state(StaffConsoleState)
    session.actor = await staffer.actor()
    await _call(console, "load")
    # The console lists one page of companies: search, as staff do, so the test's company is on it.
    await _call(console, "do_search", {"search": world.b.name})
    console.open_switch(str(world.b.company_id))
    await _call(console, "start_switch", {"reason": REASON, "mode": "read", "minutes": ""})
    assert console.hop_url.startswith("/api/v1/auth/session?code=") and console.notice == ""
