"""A staff member's own grants across companies (pending, active, denied, expired, ended), for the staff console."""

from __future__ import annotations

from tfai.domain.policy import Action, Actor, require
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.tx import actor_tx
from tfai.services.staff._own_grants import own_grant_count, own_grants
from tfai.services.staff.dto import OwnGrantDTO


async def list_my_grants(actor: Actor, *, page: int = 1, page_size: int = 25) -> Page[OwnGrantDTO]:
    """The grants the actor asked for, in every company, newest first, with their status and whether Enter works
    (staff outside a grant only; nobody else's grants are listed)."""
    require(actor, Action.STAFF_CONSOLE)
    page, page_size = clamp(page, page_size)
    async with actor_tx(actor) as session:
        total = await own_grant_count(session, actor.user_id)
        items = await own_grants(session, actor.user_id, limit=page_size, offset=(page - 1) * page_size)
    return Page[OwnGrantDTO](items=items, total=total, page=page, page_size=page_size)
