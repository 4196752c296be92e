"""A staff member's own grants across companies: listed with their status, newest first, paginated; only their own;
entering one that waits, was refused or is over says why instead of a bare refusal."""

from __future__ import annotations

import secrets

import httpx
import psycopg
import pytest

from tests.fixtures.staff import Staffer, login, totp_now
from tests.fixtures.tenants import PASSWORD, World
from tfai.domain.errors import Forbidden, NotFound
from tfai.services.auth import api_tokens, sessions
from tfai.services.staff import access, approval, mine, setup

REASON = "Customer call about a stuck ticket"


async def _other_staffer() -> Staffer:
    email = f"other.{secrets.token_hex(4)}@ticketflower.example"
    created = await setup.create_staff_user(email=email, first_name="Olga", last_name="Other", password=PASSWORD)
    uri = created.second_factor.totp_uri
    return Staffer(user_id=created.user_id, email=email, token=await login(email, second_factor=totp_now(uri)),
                   totp_uri=uri, recovery_codes=list(created.second_factor.recovery_codes))


async def test_the_list_shows_only_my_grants_in_every_company_with_their_status(
        world: World, staffer: Staffer, owner: psycopg.Connection) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    me = await staffer.actor()
    assert (await mine.list_my_grants(me)).total == 0
    waiting = await access.start_grant(me, company_id=world.a.company_id, reason=REASON, minutes=30)
    live = await access.start_grant(me, company_id=world.b.company_id, reason=REASON)
    other = await _other_staffer()
    theirs = await access.start_grant(await other.actor(), company_id=world.b.company_id, reason=REASON)

    listed = await mine.list_my_grants(me)
    assert listed.total == 2
    assert [(g.grant_id, g.company_name, g.status, g.can_enter) for g in listed.items] == [
        (live.grant_id, world.b.name, "active", True), (waiting.grant_id, world.a.name, "pending", False)]
    assert theirs.grant_id not in {g.grant_id for g in listed.items}
    assert [g.grant_id for g in (await mine.list_my_grants(await other.actor())).items] == [theirs.grant_id]

    # pending -> approved (active, enterable), a second request -> denied, a live one -> expired, then ended.
    await approval.decide_grant(world.a.admin.actor, waiting.grant_id, approve=True)
    refused = await access.start_grant(me, company_id=world.a.company_id, reason=REASON)
    await approval.decide_grant(world.a.admin.actor, refused.grant_id, approve=False)
    owner.execute("UPDATE staff_grants SET expires_at = now() - interval '1 minute' WHERE id = %s", (live.grant_id,))
    statuses = {g.grant_id: (g.status, g.can_enter) for g in (await mine.list_my_grants(me)).items}
    assert statuses == {waiting.grant_id: ("active", True), refused.grant_id: ("denied", False),
                        live.grant_id: ("expired", False)}
    approved = next(g for g in (await mine.list_my_grants(me)).items if g.grant_id == waiting.grant_id)
    assert approved.minutes == 30 and approved.decided_at is not None

    under = await sessions.authenticate_session(await sessions.finish_login(
        await access.switch_code(me, grant_id=waiting.grant_id), ip="10.9.0.1", user_agent="pytest"))
    await access.end_grant(under)
    ended = next(g for g in (await mine.list_my_grants(me)).items if g.grant_id == waiting.grant_id)
    assert (ended.status, ended.can_enter) == ("ended", False)

    first = await mine.list_my_grants(me, page=1, page_size=2)
    second = await mine.list_my_grants(me, page=2, page_size=2)
    assert first.total == second.total == 3
    assert [g.grant_id for g in first.items + second.items] == [refused.grant_id, live.grant_id, waiting.grant_id]


async def test_only_staff_outside_a_grant_list_their_grants(world: World, staffer: Staffer) -> None:
    for member in (world.a.admin, world.b.requester):
        with pytest.raises(Forbidden):
            await mine.list_my_grants(member.actor)
    me = await staffer.actor()
    grant = await access.start_grant(me, company_id=world.b.company_id, reason=REASON)
    under = await sessions.authenticate_session(await sessions.finish_login(
        await access.switch_code(me, grant_id=grant.grant_id), ip="10.9.0.1", user_agent="pytest"))
    with pytest.raises(Forbidden):
        await mine.list_my_grants(under)


async def test_entering_says_why_a_grant_cannot_be_entered(world: World, staffer: Staffer,
                                                           owner: psycopg.Connection) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    me = await staffer.actor()
    waiting = await access.start_grant(me, company_id=world.a.company_id, reason=REASON)
    with pytest.raises(Forbidden) as pending:
        await access.switch_code(me, grant_id=waiting.grant_id)
    assert pending.value.code == "grant_pending" and world.a.name in pending.value.message
    await approval.decide_grant(world.a.admin.actor, waiting.grant_id, approve=False)
    with pytest.raises(Forbidden) as denied:
        await access.switch_code(me, grant_id=waiting.grant_id)
    assert denied.value.code == "grant_denied" and "refused" in denied.value.message
    live = await access.start_grant(me, company_id=world.b.company_id, reason=REASON)
    owner.execute("UPDATE staff_grants SET expires_at = now() - interval '1 minute' WHERE id = %s", (live.grant_id,))
    with pytest.raises(Forbidden) as expired:
        await access.switch_code(me, grant_id=live.grant_id)
    assert expired.value.code == "grant_expired"
    other = await _other_staffer()
    theirs = await access.start_grant(await other.actor(), company_id=world.b.company_id, reason=REASON)
    with pytest.raises(NotFound):  # another staff member's grant is not found, live as it is
        await access.switch_code(me, grant_id=theirs.grant_id)
    for unknown in (10**12, 2**63, -1):
        with pytest.raises(NotFound):
            await access.switch_code(me, grant_id=unknown)


async def test_rest_lists_my_grants_and_enter_names_the_reason(world: World, staffer: Staffer,
                                                               browser: httpx.AsyncClient) -> None:
    await approval.set_staff_read_access(world.a.admin.actor, "approval")
    ops = {"Authorization": "Bearer " + await api_tokens.create_api_token(
        staffer.email, PASSWORD, name="ops", ip="10.9.0.4", second_factor=staffer.recovery_code())}
    started = await browser.post("/api/v1/staff/grants", headers=ops,
                                 json={"company_id": world.a.company_id, "reason": REASON})
    gid = started.json()["grant_id"]
    listed = await browser.get("/api/v1/staff/my-grants", headers=ops, params={"page_size": 10})
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1 and body["page_size"] == 10
    assert [(g["grant_id"], g["status"], g["can_enter"]) for g in body["items"]] == [(gid, "pending", False)]
    entered = await browser.post(f"/api/v1/staff/grants/{gid}/enter", headers=ops)
    assert entered.status_code == 403
    assert entered.json()["error"]["code"] == "grant_pending"
    assert world.a.name in entered.json()["error"]["message"]
    admin = {"Authorization": "Bearer " + await api_tokens.create_api_token(world.a.admin.email, PASSWORD,
                                                                            name="t", ip="10.9.0.3")}
    assert (await browser.get("/api/v1/staff/my-grants", headers=admin)).status_code == 403
    assert (await browser.get("/api/v1/staff/my-grants", headers=ops, params={"page_size": 101})).status_code == 422
