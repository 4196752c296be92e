"""Ticketflower staff access: the staff console, time-limited grants into a customer company, switching back."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import system_tx, tenant_tx
from tfai.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from tfai.domain.limits import MAX_STAFF_REASON, MIN_STAFF_REASON, STAFF_GRANT_DEFAULT_MINUTES, STAFF_GRANT_MAX_MINUTES
from tfai.domain.policy import ADMIN, USER, Action, Actor, StaffGrant, require
from tfai.services.auth import sessions
from tfai.services.common import audit
from tfai.services.common.identity import set_tenant
from tfai.services.common.problems import Problems
from tfai.services.common.tx import actor_tx
from tfai.services.staff._own_grants import require_enterable
from tfai.services.staff.dto import (
    CompanyStatsDTO,
    GrantDTO,
    PlatformTotalsDTO,
    StaffAccessSettingsDTO,
    StaffConsoleDTO,
)
from tfai.services.staff.history import grant_row

MODES = ("read", "write")


def _like(search: str) -> str:
    q = (search or "").strip()[:200]
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_companies(actor: Actor, *, search: str = "") -> list[CompanyStatsDTO]:
    """Customer companies with counts and last activity (at most 200), without entering any of them."""
    require(actor, Action.STAFF_CONSOLE)
    async with actor_tx(actor) as session:
        rows = (await session.execute(text("SELECT * FROM tfai_staff_companies(:uid, :q)"),
                                      {"uid": actor.user_id, "q": _like(search)})).mappings().all()
    return [CompanyStatsDTO(**dict(r)) for r in rows]


async def platform_totals(actor: Actor) -> PlatformTotalsDTO:
    """Totals over all customer companies and the number of live grants."""
    require(actor, Action.STAFF_CONSOLE)
    async with actor_tx(actor) as session:
        row = (await session.execute(text("SELECT * FROM tfai_staff_totals(:uid)"),
                                     {"uid": actor.user_id})).mappings().first()
    if row is None:
        raise Forbidden("Only Ticketflower staff can open the staff console")
    return PlatformTotalsDTO(**dict(row))


async def console(actor: Actor, *, search: str = "") -> StaffConsoleDTO:
    """The staff console in one answer: companies (filtered) and platform totals."""
    return StaffConsoleDTO(companies=await list_companies(actor, search=search), totals=await platform_totals(actor))


def _check_grant_input(reason: str, mode: str, minutes: int) -> str:
    p = Problems()
    reason = (reason or "").strip()
    if not MIN_STAFF_REASON <= len(reason) <= MAX_STAFF_REASON:
        p.add("reason", f"Give a reason of {MIN_STAFF_REASON} to {MAX_STAFF_REASON} characters; "
                        "it is shown to the customer")
    if mode not in MODES:
        p.add("mode", "Mode must be 'read' or 'write'")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= STAFF_GRANT_MAX_MINUTES:
        p.add("minutes", f"Duration must be 1 to {STAFF_GRANT_MAX_MINUTES} minutes")
    p.raise_if_any()
    return reason


def _grant_actor(actor: Actor, grant: GrantDTO) -> Actor:
    """The actor as it will be under the new grant (for the start event in the customer's audit log)."""
    staff = StaffGrant(grant_id=grant.grant_id, company_id=grant.company_id, mode=grant.mode,
                       expires_at=grant.expires_at, staff_user_id=actor.user_id)
    return Actor(user_id=actor.user_id, company_id=grant.company_id, system_roles=frozenset({ADMIN, USER}),
                 company_roles=frozenset({USER}), email=actor.email, is_platform_staff=True, staff=staff)


async def start_grant(actor: Actor, *, company_id: int, reason: str, mode: str = "read",
                      minutes: int = STAFF_GRANT_DEFAULT_MINUTES) -> GrantDTO:
    """Create a grant into a customer company (audited there as staff_grant.started); switch with switch_code."""
    require(actor, Action.STAFF_CONSOLE)
    reason = _check_grant_input(reason, mode, minutes)
    async with actor_tx(actor) as session:
        company = (await session.execute(text("SELECT * FROM tfai_staff_company(:uid, :cid)"),
                                         {"uid": actor.user_id, "cid": int(company_id)})).mappings().first()
        if company is None:
            raise NotFound("Company not found")
        if company["staff_read_access"] == "disabled":
            raise Forbidden("This company does not allow Ticketflower staff access", code="staff_access_disabled")
        if mode == "write" and not company["staff_write_allowed"]:
            raise Forbidden("This company has disabled staff write access; a read-only grant is still possible",
                            code="staff_write_disabled")
        try:
            grant_id = int((await session.execute(
                text("SELECT tfai_staff_grant_create(:uid, :cid, :reason, :mode, :minutes)"),
                {"uid": actor.user_id, "cid": int(company_id), "reason": reason, "mode": mode,
                 "minutes": minutes})).scalar_one())
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "22023":
                raise InvalidInput("The grant is not valid") from None
            raise Forbidden("The grant was refused", code="grant_refused") from None
        await set_tenant(session, int(company_id))
        grant = await grant_row(session, grant_id)
        await audit.record(session, _grant_actor(actor, grant), entity="staff_grant", entity_id=grant_id,
                           action="staff_grant.started",
                           after={"staff_email": grant.staff_email, "reason": reason, "mode": mode,
                                  "minutes": minutes, "expires_at": grant.expires_at.isoformat()})
    return grant


async def _home_company(actor: Actor) -> int:
    """The staff member's own (platform) company, looked up by their email and checked against their id."""
    async with system_tx() as session:
        row = (await session.execute(text("SELECT user_id, company_id FROM tfai_login_lookup(:e)"),
                                     {"e": actor.email})).first()
    if row is None or int(row[0]) != actor.real_user_id:
        raise Unauthorized("Your session has ended; log in again")
    return int(row[1])


async def switch_code(actor: Actor, *, grant_id: int | None, browser_bound: bool = True) -> str:
    """A one-time login code for the staff member, bound to grant_id (None: back to their own identity).

    The browser exchanges it at GET /api/v1/auth/session?code=...&next=/dashboard, which rotates the session;
    browser_bound=False makes it a link for a bearer caller (see sessions.issue_login_code).
    """
    if not actor.is_platform_staff:
        raise Forbidden("Only Ticketflower staff can switch company")
    if grant_id is not None:
        # Say why a grant cannot be entered (waiting, refused, over) here, rather than a bare refusal at the session
        # route; the route still checks again when it opens the session.
        async with actor_tx(actor) as session:
            await require_enterable(session, actor.real_user_id, int(grant_id))
    return await sessions.issue_login_code(actor.real_user_id, await _home_company(actor), staff_grant_id=grant_id,
                                           browser_bound=browser_bound)


async def current_grant(actor: Actor) -> GrantDTO | None:
    """The grant the actor works under (for the banner), or None."""
    if actor.staff is None:
        return None
    async with actor_tx(actor) as session:
        return await grant_row(session, actor.staff.grant_id)


async def end_grant(actor: Actor) -> None:
    """End the actor's current grant now (audited as staff_grant.ended); then switch_code(actor, grant_id=None)."""
    if actor.staff is None:
        raise NotFound("You are not acting under a staff grant")
    grant = actor.staff
    # Not actor_tx: ending a read-only grant is the one write a read-only grant may do.
    async with tenant_tx(grant.company_id) as session:
        ended = (await session.execute(
            text("UPDATE staff_grants SET ended_at = now() WHERE id = :gid AND staff_user_id = :uid "
                 "AND ended_at IS NULL RETURNING id"),
            {"gid": grant.grant_id, "uid": grant.staff_user_id})).first()
        if ended is not None:
            await audit.record(session, actor, entity="staff_grant", entity_id=grant.grant_id,
                               action="staff_grant.ended", after={"ended_by": "staff"})


async def _write_allowed(session: AsyncSession, company_id: int) -> bool:
    value = (await session.execute(text("SELECT staff_write_allowed FROM companies WHERE id = :cid"),
                                   {"cid": company_id})).scalar_one()
    return bool(value)


async def staff_access_settings(actor: Actor) -> StaffAccessSettingsDTO:
    """Whether Ticketflower staff may get grants (allowed, approval, disabled) and read-write ones."""
    require(actor, Action.AUDIT_READ)
    async with actor_tx(actor) as session:
        row = (await session.execute(text("SELECT staff_write_allowed, staff_read_access FROM companies "
                                          "WHERE id = :cid"), {"cid": actor.company_id})).mappings().one()
    return StaffAccessSettingsDTO(**dict(row))


async def set_staff_write_allowed(actor: Actor, allowed: bool) -> None:
    """Company admins allow or refuse read-write staff grants; refusing ends live write grants at once."""
    require(actor, Action.COMPANY_SETTINGS)
    if actor.staff is not None:
        raise Forbidden("Only the company's own admins can change staff access", code="staff_cannot_change")
    async with actor_tx(actor) as session:
        before = await _write_allowed(session, actor.company_id)
        await session.execute(text("UPDATE companies SET staff_write_allowed = :a WHERE id = :cid"),
                              {"a": bool(allowed), "cid": actor.company_id})
        ended: list[int] = []
        if not allowed:
            ended = [int(r[0]) for r in (await session.execute(text(
                "UPDATE staff_grants SET ended_at = now() WHERE mode = 'write' AND ended_at IS NULL "
                "AND expires_at > now() RETURNING id"))).all()]
        await audit.record(session, actor, entity="company", entity_id=actor.company_id,
                           action="staff_write_allowed", before={"staff_write_allowed": before},
                           after={"staff_write_allowed": bool(allowed), "ended_grants": ended})
        for grant_id in ended:
            await audit.record(session, actor, entity="staff_grant", entity_id=grant_id, action="staff_grant.ended",
                               after={"ended_by": "company_admin", "why": "staff write access disabled"})

