"""What staff view under a grant (tickets, files, users, audit pages) lands in the customer's audit log."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.staff import GrantSession, Staffer
from tests.fixtures.tenants import World
from tfai.domain.errors import NotFound
from tfai.services.accounts import users
from tfai.services.common.audit import STAFF_VIEW
from tfai.services.staff import history
from tfai.services.tickets import attachments, submission, tracking


async def _ticket_with_file(world: World) -> tuple[int, int]:
    await install(world.a)
    requester = world.a.requester.actor
    ticket_id = (await submission.submit_ticket(requester, ticket_type="laptop",
                                                data={"model": "air-13", "price": 1})).id
    meta = await attachments.add_attachment(requester, ticket_id, filename="a.txt", content_type="text/plain",
                                            data=b"hello")
    return ticket_id, meta.id


def _views(owner: psycopg.Connection, grant_id: int) -> list[tuple[str, str, int, int | None, int | None]]:
    return owner.execute("SELECT entity, entity_id, company_id, actor_user_id, real_actor_user_id FROM audit_log "
                         "WHERE staff_grant_id = %s AND action = %s ORDER BY id", (grant_id, STAFF_VIEW)).fetchall()


@pytest.mark.parametrize("mode", ["read", "write"])
async def test_views_under_a_grant_are_audited(world: World, staffer: Staffer, grant_session: GrantSession,
                                               owner: psycopg.Connection, mode: str) -> None:
    ticket_id, file_id = await _ticket_with_file(world)
    _, actor = await grant_session(world.a.company_id, mode=mode)
    assert actor.staff is not None
    gid = actor.staff.grant_id
    await tracking.get_ticket(actor, ticket_id)
    await attachments.open_file(actor, file_id)
    await users.list_users(actor, search="worker")
    await history.list_audit(actor, page=1)
    who = (world.a.company_id, None, staffer.user_id)
    assert _views(owner, gid) == [("ticket", str(ticket_id), *who), ("file", str(file_id), *who),
                                  ("user", "list", *who), ("audit_log", "page 1", *who)]
    listed = owner.execute("SELECT after->'user_ids' FROM audit_log WHERE staff_grant_id = %s AND entity = 'user' "
                           "AND action = %s", (gid, STAFF_VIEW)).fetchone()
    assert listed is not None and set(listed[0]) == {world.a.worker1.id, world.a.worker2.id}
    admin = world.a.admin.actor
    activity = [e for e in await history.grant_activity(admin, gid) if e.action == STAFF_VIEW]
    assert [(e.entity, e.entity_id) for e in activity] == [("ticket", str(ticket_id)), ("file", str(file_id)),
                                                           ("user", "list"), ("audit_log", "page 1")]
    grant = next(g for g in (await history.list_grants(admin)).items if g.grant_id == gid)
    assert (grant.views, grant.actions) == (4, 0)


async def test_failed_and_ordinary_reads_record_nothing(world: World, grant_session: GrantSession,
                                                       owner: psycopg.Connection) -> None:
    ticket_id, file_id = await _ticket_with_file(world)
    before = owner.execute("SELECT count(*) FROM audit_log WHERE action = %s", (STAFF_VIEW,)).fetchone()
    await tracking.get_ticket(world.a.admin.actor, ticket_id)  # the company's own people: no view rows
    await attachments.open_file(world.a.admin.actor, file_id)
    await users.list_users(world.a.admin.actor)
    await history.list_audit(world.a.admin.actor)
    _, actor = await grant_session(world.b.company_id)
    assert actor.staff is not None
    with pytest.raises(NotFound):  # another company's ticket and file: not found, and not recorded as viewed
        await tracking.get_ticket(actor, ticket_id)
    with pytest.raises(NotFound):
        await attachments.open_file(actor, file_id)
    after = owner.execute("SELECT count(*) FROM audit_log WHERE action = %s", (STAFF_VIEW,)).fetchone()
    assert after == before
