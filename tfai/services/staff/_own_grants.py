"""In-transaction reads of a staff member's own grants across companies, and why one cannot be entered."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.errors import Forbidden, NotFound
from tfai.services.staff.dto import OwnGrantDTO
from tfai.services.staff.history import GRANT_MINUTES_SQL, GRANT_STATUS_SQL

# staff_grants is under row-level security (one company per transaction): the SECURITY DEFINER function returns the
# given staff member's own grants in every company (migration 0016), the status is derived as for a company's list.
_OWN_SQL = f"""
SELECT g.id AS grant_id, g.company_id, g.company_name, g.reason, g.mode, g.created_at, g.expires_at, g.ended_at,
       g.decided_at, {GRANT_MINUTES_SQL} AS minutes, {GRANT_STATUS_SQL} AS status
FROM tfai_staff_own_grants(:uid, :gid, :lim, :off) g ORDER BY g.id DESC
"""


async def own_grants(session: AsyncSession, staff_user_id: int, *, grant_id: int | None = None, limit: int = 1,
                     offset: int = 0) -> list[OwnGrantDTO]:
    """The staff member's grants (all companies), newest first; with grant_id, that one grant if it is theirs."""
    rows = (await session.execute(text(_OWN_SQL), {"uid": int(staff_user_id), "gid": grant_id, "lim": int(limit),
                                                   "off": int(offset)})).mappings().all()
    return [OwnGrantDTO(**dict(r), can_enter=r["status"] == "active") for r in rows]


async def own_grant_count(session: AsyncSession, staff_user_id: int) -> int:
    return int((await session.execute(text("SELECT tfai_staff_own_grant_count(:uid)"),
                                      {"uid": int(staff_user_id)})).scalar_one())


def entry_refusal(grant: OwnGrantDTO) -> Forbidden | None:
    """Why the staff member cannot enter this grant now (None: they can), in words the console shows."""
    company = grant.company_name
    if grant.status == "pending":
        return Forbidden(f"{company} has not approved this grant yet: Enter works once one of its admins approves "
                         "it (the requested time starts then)", code="grant_pending")
    if grant.status == "denied":
        return Forbidden(f"{company} refused this grant; ask for a new one if you still need access",
                         code="grant_denied")
    if grant.status == "expired":
        return Forbidden(f"This grant into {company} has expired; ask for a new one", code="grant_expired")
    if grant.status == "ended":
        return Forbidden(f"This grant into {company} has ended; ask for a new one", code="grant_ended")
    return None


async def require_enterable(session: AsyncSession, staff_user_id: int, grant_id: int) -> OwnGrantDTO:
    """The grant when it is the staff member's own and live; NotFound when not theirs, Forbidden with the reason."""
    found = await own_grants(session, staff_user_id, grant_id=int(grant_id)) if 0 < grant_id < 2**63 else []
    if not found:
        raise NotFound("Grant not found")
    refusal = entry_refusal(found[0])
    if refusal is not None:
        raise refusal
    return found[0]
