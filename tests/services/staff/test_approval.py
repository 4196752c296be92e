"""A company requires approval for staff grants, or disables them (ending live ones); approve and deny."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from tests.fixtures.staff import GrantSession, Staffer
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from tfai.services.auth import api_tokens, sessions
from tfai.services.staff import access, approval, history

BASE = "http://localhost:3000"


async def _request(staffer: Staffer, company_id: int, mode: str = "read") -> int:
    grant = await access.start_grant(await staffer.actor(), company_id=company_id, reason="Customer call 7",
                                     mode=mode)
    return grant.grant_id


async def _enter(staffer: Staffer, grant_id: int) -> str:
    me = await staffer.actor()
    return await sessions.finish_login(await access.switch_code(me, grant_id=grant_id), ip="10.9.0.1",
                                       user_agent="pytest", staff_grant_id=grant_id)


async def test_with_approval_a_grant_waits_for_a_company_admin(world: World, staffer: Staffer,
                                                               owner: psycopg.Connection) -> None:
    admin = world.a.admin.actor
    await approval.set_staff_read_access(admin, "approval")
    assert (await access.staff_access_settings(admin)).staff_read_access == "approval"
    me = await staffer.actor()
    pending = await access.start_grant(me, company_id=world.a.company_id, reason="Customer call 7", minutes=30)
    assert pending.status == "pending"
    with pytest.raises(Forbidden):  # cannot be entered while it waits
        await _enter(staffer, pending.grant_id)
    for refused in (world.a.ticket_admin.actor, world.a.designer.actor):
        with pytest.raises(Forbidden):
            await approval.decide_grant(refused, pending.grant_id, approve=True)
    with pytest.raises(NotFound):
        await approval.decide_grant(world.b.admin.actor, pending.grant_id, approve=True)
    owner.execute("UPDATE staff_grants SET created_at = created_at - interval '20 minutes', "
                  "expires_at = expires_at - interval '20 minutes' WHERE id = %s", (pending.grant_id,))
    approved = await approval.decide_grant(admin, pending.grant_id, approve=True)
    assert approved.status == "active" and approved.minutes == 30  # the requested time starts at approval
    with pytest.raises(Conflict):
        await approval.decide_grant(admin, pending.grant_id, approve=False)
    actor = await sessions.authenticate_session(await _enter(staffer, pending.grant_id))
    assert actor.staff is not None and actor.staff.grant_id == pending.grant_id
    with pytest.raises(Forbidden) as own:  # staff never approve grants, their own included
        await approval.decide_grant(actor, pending.grant_id, approve=True)
    assert own.value.code == "read_only"
    denied_id = await _request(staffer, world.a.company_id)
    denied = await approval.decide_grant(admin, denied_id, approve=False)
    assert denied.status == "denied"
    with pytest.raises(Forbidden):
        await _enter(staffer, denied_id)
    actions = [e.action for e in await history.grant_activity(admin, pending.grant_id)]
    assert actions[:2] == ["staff_grant.started", "staff_grant.approved"]
    b_grant = await access.start_grant(me, company_id=world.b.company_id, reason="Customer call 8")
    assert b_grant.status == "active"  # company b did not ask for approval


async def test_disabling_refuses_grants_and_ends_live_ones(world: World, staffer: Staffer,
                                                           grant_session: GrantSession,
                                                           owner: psycopg.Connection) -> None:
    token, live = await grant_session(world.a.company_id, mode="write")
    assert live.staff is not None
    with pytest.raises(InvalidInput):
        await approval.set_staff_read_access(world.a.admin.actor, "sometimes")
    with pytest.raises(Forbidden) as staff_refused:
        await approval.set_staff_read_access(live, "allowed")
    assert staff_refused.value.code == "staff_cannot_change"
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    waiting = await _request(staffer, world.a.company_id)
    await approval.set_staff_read_access(world.a.admin.actor, "disabled")
    ended = owner.execute("SELECT id FROM staff_grants WHERE id = ANY(%s) AND ended_at IS NOT NULL",
                          ([live.staff.grant_id, waiting],)).fetchall()
    assert sorted(r[0] for r in ended) == sorted([live.staff.grant_id, waiting])
    assert (await sessions.authenticate_session(token)).staff is None  # back to the staff member's own identity
    for mode in ("read", "write"):
        with pytest.raises(Forbidden) as refused:
            await _request(staffer, world.a.company_id, mode)
        assert refused.value.code == "staff_access_disabled"
    assert await _request(staffer, world.b.company_id)  # another company is not affected
    await approval.set_staff_read_access(world.a.admin.actor, "allowed")
    assert await _request(staffer, world.a.company_id)


async def test_rest_approve_deny_and_setting(world: World, staffer: Staffer, app: FastAPI,
                                             browser: httpx.AsyncClient) -> None:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    a_admin = bearer(await api_tokens.create_api_token(world.a.admin.email, PASSWORD, name="t", ip="10.9.0.3"))
    b_admin = bearer(await api_tokens.create_api_token(world.b.admin.email, PASSWORD, name="t", ip="10.9.0.3"))
    put = await browser.put("/api/v1/company/staff-access", headers=a_admin, json={"staff_read_access": "approval"})
    assert put.status_code == 200 and put.json()["staff_read_access"] == "approval"
    bad = await browser.put("/api/v1/company/staff-access", headers=a_admin, json={"staff_read_access": "maybe"})
    assert bad.status_code == 422
    ops = bearer(await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.4",
                                                   second_factor=staffer.recovery_code()))
    started = await browser.post("/api/v1/staff/grants", headers=ops,
                                 json={"company_id": world.a.company_id, "reason": "Customer call 9"})
    assert started.status_code == 201
    body = started.json()
    assert (body["status"], body["session_switched"], body["switch_url"]) == ("pending", False, None)
    gid = body["grant_id"]
    assert (await browser.post(f"/api/v1/staff/grants/{gid}/approve", headers=b_admin)).status_code == 404
    assert (await browser.post(f"/api/v1/staff/grants/{gid}/deny", headers=b_admin)).status_code == 404
    approved = await browser.post(f"/api/v1/staff/grants/{gid}/approve", headers=a_admin)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert (await browser.post(f"/api/v1/staff/grants/{gid}/deny", headers=a_admin)).status_code == 409
    entered = await browser.post(f"/api/v1/staff/grants/{gid}/enter", headers=ops)
    assert entered.status_code == 200 and entered.json()["switch_url"].startswith("/api/v1/auth/session?code=")
    settings = await browser.get("/api/v1/company/staff-write", headers=a_admin)
    assert settings.json() == {"staff_write_allowed": True, "staff_read_access": "approval"}
