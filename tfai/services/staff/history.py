"""Reading the audit log and the company's staff grants (company admins, and staff under a grant)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.errors import InvalidInput, NotFound
from tfai.domain.limits import MAX_ACTIVITY
from tfai.domain.policy import Action, Actor, require
from tfai.services.common import audit
from tfai.services.common.audit import STAFF_VIEW
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.tx import actor_tx
from tfai.services.staff.dto import AuditEntryDTO, GrantDTO

# A grant's duration and status from its columns (alias g): the company's list and the staff member's own use them.
GRANT_MINUTES_SQL = """greatest(1, round(extract(epoch FROM g.expires_at - CASE WHEN g.approval = 'approved'
                                   THEN g.decided_at ELSE g.created_at END) / 60))::int"""
GRANT_STATUS_SQL = """CASE WHEN g.approval = 'denied' THEN 'denied' WHEN g.ended_at IS NOT NULL THEN 'ended'
            WHEN g.expires_at <= clock_timestamp() THEN 'expired' WHEN g.approval = 'pending' THEN 'pending'
            ELSE 'active' END"""

GRANT_SQL = f"""
SELECT g.id AS grant_id, g.company_id, c.name AS company_name, g.staff_user_id, g.staff_email, g.reason, g.mode,
       g.created_at, g.expires_at, g.ended_at, {GRANT_MINUTES_SQL} AS minutes, {GRANT_STATUS_SQL} AS status,
       (SELECT count(*) FROM audit_log a WHERE a.staff_grant_id = g.id
          AND a.action NOT LIKE 'staff\\_grant.%' AND a.action <> '{STAFF_VIEW}') AS actions,
       (SELECT count(*) FROM audit_log a WHERE a.staff_grant_id = g.id AND a.action = '{STAFF_VIEW}') AS views
FROM staff_grants g JOIN companies c ON c.id = g.company_id
"""

_AUDIT_SQL = """
SELECT a.id, a.created_at, a.entity, a.entity_id, a.action, a.actor_user_id, u.email AS actor_email,
       a.real_actor_user_id, a.staff_grant_id, g.staff_email, a.before, a.after
FROM audit_log a
LEFT JOIN users u ON u.id = a.actor_user_id
LEFT JOIN staff_grants g ON g.id = a.staff_grant_id
"""


async def grant_row(session: AsyncSession, grant_id: int) -> GrantDTO:
    """One grant of the transaction's company; NotFound otherwise (RLS hides other companies' grants)."""
    row = (await session.execute(text(GRANT_SQL + " WHERE g.id = :gid"), {"gid": grant_id})).mappings().first()
    if row is None:
        raise NotFound("Grant not found")
    return GrantDTO(**dict(row))


async def list_grants(actor: Actor, *, page: int = 1, page_size: int = 25) -> Page[GrantDTO]:
    """The company's staff grants, newest first: who, when, why, mode, duration, status, number of actions."""
    require(actor, Action.AUDIT_READ)
    page, page_size = clamp(page, page_size)
    async with actor_tx(actor) as session:
        total = (await session.execute(text("SELECT count(*) FROM staff_grants"))).scalar_one()
        rows = (await session.execute(text(GRANT_SQL + " ORDER BY g.id DESC LIMIT :lim OFFSET :off"),
                                      {"lim": page_size, "off": (page - 1) * page_size})).mappings().all()
    return Page[GrantDTO](items=[GrantDTO(**dict(r)) for r in rows], total=int(total), page=page,
                          page_size=page_size)


async def grant_activity(actor: Actor, grant_id: int) -> list[AuditEntryDTO]:
    """Everything recorded under one of the company's grants (start and end included), oldest first."""
    require(actor, Action.AUDIT_READ)
    async with actor_tx(actor) as session:
        await grant_row(session, grant_id)
        # With what the company's admins did to the grant (approved, denied, ended by disabling access).
        rows = (await session.execute(
            text(_AUDIT_SQL + " WHERE a.staff_grant_id = :gid OR (a.entity = 'staff_grant' AND a.entity_id = :gtext) "
                 "ORDER BY a.id LIMIT :lim"),
            {"gid": grant_id, "gtext": str(grant_id), "lim": MAX_ACTIVITY})).mappings().all()
    return [AuditEntryDTO(**dict(r)) for r in rows]


async def list_audit(actor: Actor, *, entity: str | None = None, actor_id: int | None = None, page: int = 1,
                     page_size: int = 50) -> Page[AuditEntryDTO]:
    """The company's audit log, newest first, filtered by entity and by (real or effective) actor."""
    require(actor, Action.AUDIT_READ)
    page, page_size = clamp(page, page_size)
    where: list[str] = []
    params: dict[str, Any] = {"lim": page_size, "off": (page - 1) * page_size}
    if entity:
        if len(entity) > 64:
            raise InvalidInput("The entity filter is too long",
                               details=[{"field": "entity", "message": "At most 64 characters"}])
        where.append("a.entity = :entity")
        params["entity"] = entity
    if actor_id is not None:
        where.append("(a.actor_user_id = :aid OR a.real_actor_user_id = :aid)")
        params["aid"] = int(actor_id)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    async with actor_tx(actor) as session:
        total = (await session.execute(text("SELECT count(*) FROM audit_log a" + clause), params)).scalar_one()
        rows = (await session.execute(text(_AUDIT_SQL + clause + " ORDER BY a.id DESC LIMIT :lim OFFSET :off"),
                                      params)).mappings().all()
    await audit.record_staff_view(actor, entity="audit_log", entity_id=f"page {page}",
                                  detail={"entity": entity, "actor_id": actor_id, "page": page})
    return Page[AuditEntryDTO](items=[AuditEntryDTO(**dict(r)) for r in rows], total=int(total), page=page,
                               page_size=page_size)
