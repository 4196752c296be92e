"""Grant lifecycle, read-only and read-write grants, expiry, isolation and the staff-write setting."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.fixtures.bundles import example, install
from tests.fixtures.staff import GrantSession, Staffer
from tests.fixtures.tenants import World
from tfai.domain.errors import Forbidden, InvalidInput, NotFound
from tfai.domain.policy import CREDENTIAL_ACTIONS, WRITE_ACTIONS, require
from tfai.domain.tokens import hash_token
from tfai.services.accounts import company_roles, profile, users
from tfai.services.auth import sessions
from tfai.services.common.tx import actor_tx
from tfai.services.definitions import bundles
from tfai.services.staff import access, history


async def test_grant_lifecycle_start_switch_end(world: World, staffer: Staffer, grant_session: GrantSession,
                                                owner: psycopg.Connection) -> None:
    token, actor = await grant_session(world.a.company_id, reason="Ticket 42: broken workflow")
    assert actor.staff is not None and actor.company_id == world.a.company_id and actor.user_id == staffer.user_id
    assert actor.read_only and actor.is_platform_staff
    gid = actor.staff.grant_id
    session_row = owner.execute("SELECT staff_grant_id FROM sessions WHERE token_hash = %s",
                                (hash_token(token),)).fetchone()
    assert session_row == (gid,)
    current = await access.current_grant(actor)
    assert current is not None and current.company_name == world.a.name and current.status == "active"
    assert (current.reason, current.mode, current.minutes) == ("Ticket 42: broken workflow", "read", 60)
    started = owner.execute("SELECT company_id, real_actor_user_id, staff_grant_id, actor_user_id FROM audit_log "
                            "WHERE action = 'staff_grant.started' AND entity_id = %s", (str(gid),)).fetchall()
    assert started == [(world.a.company_id, staffer.user_id, gid, None)]

    await access.end_grant(actor)
    await access.end_grant(actor)  # idempotent: one end event
    ended = owner.execute("SELECT company_id, real_actor_user_id, staff_grant_id FROM audit_log "
                          "WHERE action = 'staff_grant.ended' AND entity_id = %s", (str(gid),)).fetchall()
    assert ended == [(world.a.company_id, staffer.user_id, gid)]
    back = await sessions.authenticate_session(token)  # documented: an ended grant falls back to the own identity
    assert back.staff is None and back.company_id != world.a.company_id and back.is_platform_staff
    with pytest.raises(Forbidden):
        await users.list_users(back)
    assert await access.current_grant(back) is None
    with pytest.raises(NotFound):
        await access.end_grant(back)
    own = await sessions.authenticate_session(
        await sessions.finish_login(await access.switch_code(actor, grant_id=None), ip="x", user_agent="pytest"))
    assert own.staff is None and own.company_id == back.company_id


async def test_read_grant_sees_the_company_but_changes_nothing(world: World, grant_session: GrantSession,
                                                               owner: psycopg.Connection) -> None:
    _, actor = await grant_session(world.a.company_id)
    listed = await users.list_users(actor, page_size=100)
    assert {u.id for u in listed.items} == {m.id for m in world.a.members.values()}
    me = await profile.get_me(actor)
    assert me.staff is not None and me.company_id == world.a.company_id and me.first_name == "Sam"
    assert (await history.list_audit(actor)).total >= 1
    for action in sorted(WRITE_ACTIONS):
        with pytest.raises(Forbidden) as refused:
            require(actor, action)
        assert refused.value.code == ("staff_credentials" if action in CREDENTIAL_ACTIONS else "read_only"), action
    refusals = [
        (users.create_user(actor, email="new.one@example.com", first_name="N", last_name="O",
                           system_roles=["user"], company_roles=[]), "staff_credentials"),
        (users.update_user(actor, world.a.worker1.id, is_active=False), "staff_credentials"),
        (profile.update_profile(actor, first_name="A", last_name="B"), "read_only"),
        (company_roles.create_company_role(actor, role_name="sneaky"), "staff_credentials"),
        (access.set_staff_write_allowed(actor, True), "read_only"),
    ]
    for call, code in refusals:
        with pytest.raises(Forbidden) as refused:
            await call
        assert refused.value.code == code
    assert owner.execute("SELECT is_active FROM users WHERE id = %s", (world.a.worker1.id,)).fetchone() == (True,)
    with pytest.raises(DBAPIError) as raw:  # the second wall: the transaction itself is READ ONLY
        async with actor_tx(actor) as session:
            await session.execute(text("INSERT INTO company_roles (company_id, role_name) VALUES (:c, 'raw')"),
                                  {"c": world.a.company_id})
    assert getattr(raw.value.orig, "sqlstate", None) == "25006"


async def test_write_grant_acts_as_admin_and_every_action_is_audited(world: World, staffer: Staffer,
                                                                     grant_session: GrantSession,
                                                                     owner: psycopg.Connection) -> None:
    _, actor = await grant_session(world.a.company_id, mode="write", minutes=30)
    assert actor.staff is not None and not actor.read_only
    gid = actor.staff.grant_id
    await bundles.save_bundle(actor, example("laptop-request.json"))
    rows = owner.execute("SELECT action, company_id, actor_user_id, real_actor_user_id, staff_grant_id "
                         "FROM audit_log WHERE staff_grant_id = %s ORDER BY id", (gid,)).fetchall()
    actions = [r[0] for r in rows]
    assert actions[0] == "staff_grant.started" and len(actions) >= 2
    assert all(r[1:] == (world.a.company_id, None, staffer.user_id, gid) for r in rows)
    admin = world.a.admin.actor
    grants = await history.list_grants(admin)
    mine = [g for g in grants.items if g.grant_id == gid]
    assert mine and mine[0].staff_email == staffer.email and mine[0].actions == len(actions) - 1
    assert mine[0].mode == "write"
    activity = await history.grant_activity(admin, gid)
    assert [e.action for e in activity] == actions
    assert all(e.staff_email == staffer.email and e.real_actor_user_id == staffer.user_id for e in activity)
    by_staff = await history.list_audit(admin, actor_id=staffer.user_id, page_size=100)
    assert {e.id for e in activity} <= {e.id for e in by_staff.items}
    for member in ("ticket_admin", "requester", "designer"):
        with pytest.raises(Forbidden):
            await history.list_grants(world.a.members[member].actor)
        with pytest.raises(Forbidden):
            await history.grant_activity(world.a.members[member].actor, gid)
        with pytest.raises(Forbidden):
            await history.list_audit(world.a.members[member].actor)
    with pytest.raises(NotFound):
        await history.grant_activity(world.b.admin.actor, gid)
    only_definitions = await history.list_audit(admin, entity="workflow_definition")
    assert only_definitions.items and all(e.entity == "workflow_definition" for e in only_definitions.items)
    assert all(g.company_id == world.b.company_id for g in (await history.list_grants(world.b.admin.actor)).items)
    assert all(e.staff_grant_id != gid for e in (await history.list_audit(world.b.admin.actor, page_size=100)).items)


async def test_expiry_mid_session_falls_back_to_the_own_identity(world: World, grant_session: GrantSession,
                                                                 owner: psycopg.Connection) -> None:
    token, actor = await grant_session(world.a.company_id, mode="write")
    assert actor.staff is not None
    owner.execute("UPDATE staff_grants SET expires_at = now() - interval '1 second' WHERE id = %s",
                  (actor.staff.grant_id,))
    after = await sessions.authenticate_session(token)
    assert after.staff is None and after.company_id != world.a.company_id
    with pytest.raises(Forbidden):
        await users.list_users(after)
    listed = await history.list_grants(world.a.admin.actor)
    assert [g.status for g in listed.items if g.grant_id == actor.staff.grant_id] == ["expired"]


async def test_staff_write_setting(world: World, staffer: Staffer, grant_session: GrantSession,
                                   owner: psycopg.Connection) -> None:
    _, writer = await grant_session(world.a.company_id, mode="write")
    assert writer.staff is not None
    with pytest.raises(Forbidden) as not_staff:
        await access.set_staff_write_allowed(writer, False)  # staff never change the customer's consent
    assert not_staff.value.code == "staff_cannot_change"
    with pytest.raises(Forbidden):
        await access.set_staff_write_allowed(world.a.ticket_admin.actor, False)
    await access.set_staff_write_allowed(world.a.admin.actor, False)
    assert (await access.staff_access_settings(world.a.admin.actor)).staff_write_allowed is False
    ended = owner.execute("SELECT ended_at IS NOT NULL FROM staff_grants WHERE id = %s",
                          (writer.staff.grant_id,)).fetchone()
    assert ended == (True,)  # live write grants end at once
    me = await staffer.actor()
    with pytest.raises(Forbidden) as refused:
        await access.start_grant(me, company_id=world.a.company_id, reason="need to fix", mode="write")
    assert refused.value.code == "staff_write_disabled"
    _, reader = await grant_session(world.a.company_id, mode="read")
    assert reader.staff is not None and reader.company_id == world.a.company_id
    assert (await access.staff_access_settings(world.b.admin.actor)).staff_write_allowed is True
    audit = owner.execute("SELECT actor_user_id, after->>'staff_write_allowed' FROM audit_log "
                          "WHERE company_id = %s AND action = 'staff_write_allowed'", (world.a.company_id,)).fetchall()
    assert audit == [(world.a.admin.id, "false")]
    await access.set_staff_write_allowed(world.a.admin.actor, True)
    _, writer_again = await grant_session(world.a.company_id, mode="write")
    assert writer_again.staff is not None and writer_again.staff.mode == "write"


async def test_grant_for_a_never_reaches_b(world: World, grant_session: GrantSession,
                                           owner: psycopg.Connection) -> None:
    await install(world.b)
    _, actor = await grant_session(world.a.company_id, mode="write")
    with pytest.raises(NotFound):
        await bundles.export_document(actor, example("laptop-request.json")["workflow"]["key"])
    with pytest.raises(Forbidden):
        await users.update_user(actor, world.b.worker1.id, available=False)
    assert owner.execute("SELECT available FROM users WHERE id = %s", (world.b.worker1.id,)).fetchone() == (True,)
    assert all(e.entity_id != str(world.b.company_id) or e.entity != "company"
               for e in (await history.list_audit(actor, page_size=100)).items)
    async with actor_tx(actor) as session:  # the grant sets the company for the transaction: RLS, no bypass
        tenant = (await session.execute(text("SELECT current_setting('app.company_id')"))).scalar_one()
        seen_b = (await session.execute(text("SELECT count(*) FROM users WHERE company_id = :b"),
                                        {"b": world.b.company_id})).scalar_one()
        companies = (await session.execute(text("SELECT array_agg(id) FROM companies"))).scalar_one()
    assert tenant == str(world.a.company_id) and seen_b == 0 and companies == [world.a.company_id]


async def test_staff_without_grant_sees_no_customer_data(world: World, staffer: Staffer) -> None:
    me = await staffer.actor()
    for call in (users.list_users(me), history.list_audit(me), history.list_grants(me),
                 users.update_user(me, world.a.worker1.id, available=False)):
        with pytest.raises((Forbidden, NotFound)):
            await call
    async with actor_tx(me) as session:
        seen = (await session.execute(text("SELECT count(*) FROM users WHERE company_id = :a"),
                                      {"a": world.a.company_id})).scalar_one()
    assert seen == 0


async def test_grant_input_and_who_may_start_one(world: World, staffer: Staffer, grant_session: GrantSession,
                                                 owner: psycopg.Connection) -> None:
    me = await staffer.actor()
    before = owner.execute("SELECT count(*) FROM staff_grants").fetchone()
    with pytest.raises(InvalidInput) as bad:
        await access.start_grant(me, company_id=world.a.company_id, reason=" x ", mode="admin", minutes=481)
    assert {d["field"] for d in bad.value.details} == {"reason", "mode", "minutes"}
    with pytest.raises(InvalidInput):
        await access.start_grant(me, company_id=world.a.company_id, reason="r" * 501, minutes=0)
    platform = owner.execute("SELECT id FROM companies WHERE is_platform").fetchone()
    assert platform is not None
    for company_id in (platform[0], 10**12):
        with pytest.raises(NotFound):
            await access.start_grant(me, company_id=company_id, reason="just looking")
    for member in world.a.members.values():  # customers, admins included, never start grants
        with pytest.raises(Forbidden):
            await access.start_grant(member.actor, company_id=world.b.company_id, reason="let me in")
        with pytest.raises(Forbidden):
            await access.switch_code(member.actor, grant_id=None)
    _, under = await grant_session(world.a.company_id)
    with pytest.raises(Forbidden):  # exit first: no grant inside a grant, no console inside a company
        await access.start_grant(under, company_id=world.b.company_id, reason="hop over")
    with pytest.raises(Forbidden):
        await access.console(under)
    assert owner.execute("SELECT count(*) FROM staff_grants").fetchone()[0] == before[0] + 1  # type: ignore[index]
