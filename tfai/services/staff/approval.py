"""A company's say over staff grants: allow them, require an admin's approval for each, or disable them."""

from __future__ import annotations

from sqlalchemy import text

from tfai.domain.errors import Conflict, Forbidden
from tfai.domain.policy import Action, Actor, require
from tfai.services.common import audit
from tfai.services.common.problems import Problems
from tfai.services.common.tx import actor_tx
from tfai.services.staff.dto import GrantDTO
from tfai.services.staff.history import grant_row

READ_ACCESS = ("allowed", "approval", "disabled")


def _own_admin(actor: Actor) -> None:
    require(actor, Action.COMPANY_SETTINGS)
    if actor.staff is not None:
        raise Forbidden("Only the company's own admins can change or approve staff access", code="staff_cannot_change")


async def set_staff_read_access(actor: Actor, access: str) -> None:
    """allowed: staff start grants themselves; approval: each grant waits for an admin; disabled: no grants, and
    live or pending ones end at once."""
    _own_admin(actor)
    if access not in READ_ACCESS:
        p = Problems()
        p.add("staff_read_access", f"Use one of {', '.join(READ_ACCESS)}")
        p.raise_if_any()
    async with actor_tx(actor) as session:
        before = (await session.execute(text("SELECT staff_read_access FROM companies WHERE id = :cid"),
                                        {"cid": actor.company_id})).scalar_one()
        await session.execute(text("UPDATE companies SET staff_read_access = :a WHERE id = :cid"),
                              {"a": access, "cid": actor.company_id})
        ended: list[int] = []
        if access == "disabled":
            ended = [int(r[0]) for r in (await session.execute(text(
                "UPDATE staff_grants SET ended_at = now() WHERE ended_at IS NULL AND expires_at > now() "
                "RETURNING id"))).all()]
        await audit.record(session, actor, entity="company", entity_id=actor.company_id,
                           action="staff_read_access", before={"staff_read_access": before},
                           after={"staff_read_access": access, "ended_grants": ended})
        for grant_id in ended:
            await audit.record(session, actor, entity="staff_grant", entity_id=grant_id, action="staff_grant.ended",
                               after={"ended_by": "company_admin", "why": "staff access disabled"})


async def decide_grant(actor: Actor, grant_id: int, *, approve: bool) -> GrantDTO:
    """Approve a pending grant (its time starts now) or deny it; another company's grant is not found,
    one that no longer waits is a Conflict."""
    _own_admin(actor)
    async with actor_tx(actor) as session:
        await grant_row(session, grant_id)
        # The requested duration (expires_at - created_at) starts at approval; a denial ends the request.
        sets = ("approval = 'approved', expires_at = now() + (expires_at - created_at)" if approve
                else "approval = 'denied', ended_at = now()")
        done = (await session.execute(text(
            f"UPDATE staff_grants SET {sets}, decided_by = :uid, decided_at = now() WHERE id = :gid "
            "AND approval = 'pending' AND ended_at IS NULL AND expires_at > now() RETURNING id"),
            {"uid": actor.user_id, "gid": grant_id})).first()
        if done is None:
            raise Conflict("This grant does not wait for approval (any more)")
        await audit.record(session, actor, entity="staff_grant", entity_id=grant_id,
                           action="staff_grant.approved" if approve else "staff_grant.denied")
        return await grant_row(session, grant_id)
