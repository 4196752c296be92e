"""Append-only audit log: who did what to which entity, before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import tenant_tx
from tfai.db.tables import AuditLog
from tfai.domain.policy import Actor

STAFF_VIEW = "staff.view"


async def record(session: AsyncSession, actor: Actor | None, *, company_id: int | None = None, entity: str,
                 entity_id: int | str, action: str, before: Any = None, after: Any = None) -> None:
    """Add an audit row in the caller's transaction (so it commits or rolls back with the change)."""
    session.add(AuditLog(
        company_id=company_id if company_id is not None else (actor.company_id if actor else 0),
        actor_user_id=None if actor is None or actor.staff else actor.user_id,
        real_actor_user_id=actor.real_user_id if actor else None,
        staff_grant_id=actor.staff.grant_id if actor and actor.staff else None,
        entity=entity, entity_id=str(entity_id), action=action, before=before, after=after,
    ))


async def record_staff_view(actor: Actor, *, entity: str, entity_id: int | str, detail: Any = None) -> None:
    """Under a staff grant, add what the staff member viewed to the customer's audit log (others: nothing).

    Its own transaction: a read grant's transactions are READ ONLY, and the view is recorded once it succeeded.
    """
    if actor.staff is None:
        return
    async with tenant_tx(actor.company_id) as session:
        await record(session, actor, entity=entity, entity_id=entity_id, action=STAFF_VIEW, after=detail)
