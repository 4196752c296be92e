"""The staff REST API: console, grants with cookie rotation or a switch link, audit, the staff-write setting."""

from __future__ import annotations

import httpx
import psycopg

from tests.fixtures.staff import Staffer
from tests.fixtures.tenants import PASSWORD, Member, World
from tfai.domain.tokens import hash_token
from tfai.services.auth import api_tokens

COOKIE = "tfai_session"
BASE = "http://localhost:3000"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _member_token(member: Member) -> str:
    return await api_tokens.create_api_token(member.email, PASSWORD, name="t", ip="10.9.0.3")


async def test_cookie_session_switches_into_the_company_and_back(world: World, staffer: Staffer,
                                                                 browser: httpx.AsyncClient,
                                                                 owner: psycopg.Connection) -> None:
    browser.cookies.set(COOKIE, staffer.token, domain="localhost.local")
    console = await browser.get("/api/v1/staff/companies", params={"search": world.a.name})
    assert console.status_code == 200
    assert [c["company_id"] for c in console.json()["companies"]] == [world.a.company_id]
    assert console.json()["totals"]["users"] >= 12
    started = await browser.post("/api/v1/staff/grants", headers={"Origin": BASE},
                                 json={"company_id": world.a.company_id, "reason": "Demo for the customer"})
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["session_switched"] is True and body["switch_url"] is None and body["mode"] == "read"
    new_token = browser.cookies.get(COOKIE)
    assert new_token and new_token != staffer.token
    revoked = owner.execute("SELECT revoked_at IS NOT NULL FROM sessions WHERE token_hash = %s",
                            (hash_token(staffer.token),)).fetchone()
    assert revoked == (True,)  # the session was rotated
    current = await browser.get("/api/v1/staff/grants/current")
    assert current.status_code == 200
    assert (current.json()["company_name"], current.json()["reason"]) == (world.a.name, "Demo for the customer")
    listed = await browser.get("/api/v1/users", params={"page_size": 100})
    assert listed.status_code == 200
    assert {u["id"] for u in listed.json()["items"]} == {m.id for m in world.a.members.values()}
    refused = await browser.post("/api/v1/users", headers={"Origin": BASE},
                                 json={"email": "x.y@example.com", "first_name": "X", "last_name": "Y"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "staff_credentials"
    assert (await browser.get("/api/v1/staff/companies")).status_code == 403
    ended = await browser.delete("/api/v1/staff/grants/current", headers={"Origin": BASE})
    assert ended.status_code == 204
    assert browser.cookies.get(COOKIE) not in (None, new_token)
    assert (await browser.get("/api/v1/staff/grants/current")).status_code == 404
    assert (await browser.get("/api/v1/users")).status_code == 403
    assert (await browser.get("/api/v1/staff/companies")).status_code == 200


async def test_bearer_caller_gets_a_switch_link(world: World, staffer: Staffer, browser: httpx.AsyncClient) -> None:
    token = await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.4",
                                              second_factor=staffer.recovery_code())
    started = await browser.post("/api/v1/staff/grants", headers=_bearer(token),
                                 json={"company_id": world.b.company_id, "reason": "Check an import",
                                       "mode": "write", "minutes": 15})
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["session_switched"] is False and body["switch_url"].startswith("/api/v1/auth/session?code=")
    assert (await browser.get("/api/v1/staff/grants/current", headers=_bearer(token))).status_code == 404
    hop = await browser.get(body["switch_url"])
    assert hop.status_code == 303 and browser.cookies.get(COOKIE)
    current = await browser.get("/api/v1/staff/grants/current")
    assert current.status_code == 200 and current.json()["company_id"] == world.b.company_id
    assert current.json()["minutes"] == 15 and current.json()["mode"] == "write"
    assert (await browser.get(body["switch_url"])).headers["location"].startswith("/login")  # used once


async def test_grant_input_errors_and_refusals(world: World, staffer: Staffer, browser: httpx.AsyncClient) -> None:
    token = await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.5",
                                              second_factor=staffer.recovery_code())
    for bad in ({"company_id": world.a.company_id, "reason": "ok reason", "minutes": 481},
                {"company_id": world.a.company_id, "reason": "ok reason", "mode": "admin"},
                {"company_id": world.a.company_id, "reason": "x" * 501},
                {"company_id": world.a.company_id, "reason": "  "}):
        answer = await browser.post("/api/v1/staff/grants", headers=_bearer(token), json=bad)
        assert answer.status_code == 422, bad
    missing = await browser.post("/api/v1/staff/grants", headers=_bearer(token),
                                 json={"company_id": 10**12, "reason": "who is this"})
    assert missing.status_code == 404
    admin = await _member_token(world.a.admin)
    denied = await browser.post("/api/v1/staff/grants", headers=_bearer(admin),
                                json={"company_id": world.b.company_id, "reason": "let me in"})
    assert denied.status_code == 403
    assert (await browser.get("/api/v1/staff/companies", headers=_bearer(admin))).status_code == 403


async def test_company_admin_sees_grants_activity_and_audit(world: World, staffer: Staffer,
                                                            browser: httpx.AsyncClient) -> None:
    token = await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.6",
                                              second_factor=staffer.recovery_code())
    started = await browser.post("/api/v1/staff/grants", headers=_bearer(token),
                                 json={"company_id": world.a.company_id, "reason": "Fix roles", "mode": "write"})
    assert started.status_code == 201
    grant_id = started.json()["grant_id"]
    await browser.get(started.json()["switch_url"])
    refused = await browser.post("/api/v1/company-roles", headers={"Origin": BASE}, json={"role_name": "by-staff"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "staff_credentials"
    assert (await browser.get("/api/v1/users")).status_code == 200  # recorded as a view
    admin = _bearer(await _member_token(world.a.admin))
    grants = await browser.get("/api/v1/staff/grants", headers=admin)
    assert grants.status_code == 200
    row = next(g for g in grants.json()["items"] if g["grant_id"] == grant_id)
    assert (row["staff_email"], row["reason"], row["mode"], row["actions"], row["views"]) == (
        staffer.email, "Fix roles", "write", 0, 1)
    activity = await browser.get(f"/api/v1/staff/grants/{grant_id}/activity", headers=admin)
    assert activity.status_code == 200
    assert [e["action"] for e in activity.json()][0] == "staff_grant.started"
    assert all(e["real_actor_user_id"] == staffer.user_id for e in activity.json())
    audit = await browser.get("/api/v1/audit", headers=admin, params={"actor": staffer.user_id})
    assert audit.status_code == 200 and audit.json()["total"] >= 2
    assert all(e["staff_grant_id"] == grant_id for e in audit.json()["items"])
    other = _bearer(await _member_token(world.b.admin))
    assert (await browser.get(f"/api/v1/staff/grants/{grant_id}/activity", headers=other)).status_code == 404
    b_audit = await browser.get("/api/v1/audit", headers=other, params={"actor": staffer.user_id})
    assert b_audit.status_code == 200 and b_audit.json()["total"] == 0
    requester = _bearer(await _member_token(world.a.requester))
    for path in ("/api/v1/audit", "/api/v1/staff/grants", f"/api/v1/staff/grants/{grant_id}/activity"):
        assert (await browser.get(path, headers=requester)).status_code == 403
    under = await browser.get("/api/v1/audit", params={"entity": "company_role"})  # staff under the grant
    assert under.status_code == 200 and all(e["entity"] == "company_role" for e in under.json()["items"])


async def test_staff_write_setting_endpoint(world: World, staffer: Staffer, browser: httpx.AsyncClient) -> None:
    admin = _bearer(await _member_token(world.b.admin))
    assert (await browser.get("/api/v1/company/staff-write", headers=admin)).json() == {
        "staff_write_allowed": True, "staff_read_access": "allowed"}
    off = await browser.put("/api/v1/company/staff-write", headers=admin, json={"allowed": False})
    assert off.status_code == 200 and off.json() == {"staff_write_allowed": False, "staff_read_access": "allowed"}
    token = await api_tokens.create_api_token(staffer.email, PASSWORD, name="ops", ip="10.9.0.7",
                                              second_factor=staffer.recovery_code())
    write = await browser.post("/api/v1/staff/grants", headers=_bearer(token),
                               json={"company_id": world.b.company_id, "reason": "Fix data", "mode": "write"})
    assert write.status_code == 403 and write.json()["error"]["code"] == "staff_write_disabled"
    read = await browser.post("/api/v1/staff/grants", headers=_bearer(token),
                              json={"company_id": world.b.company_id, "reason": "Look only", "mode": "read"})
    assert read.status_code == 201
    worker = _bearer(await _member_token(world.b.worker1))
    assert (await browser.put("/api/v1/company/staff-write", headers=worker, json={"allowed": True})).status_code == 403
    assert (await browser.get("/api/v1/company/staff-write", headers=admin)).json()["staff_write_allowed"] is False
