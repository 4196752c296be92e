"""The current user's profile row inside an open transaction (shared by the profile and the dashboard)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.policy import Action, Actor, allowed
from tfai.services.accounts.dto import MeDTO, StaffInfoDTO
from tfai.services.common.identity import set_tenant

_ME_SQL = text("""
SELECT u.id, u.email, u.first_name, u.last_name, u.available, c.name AS company_name,
       ARRAY(SELECT r.role::text FROM user_system_roles r WHERE r.user_id = u.id ORDER BY 1) AS system_roles,
       ARRAY(SELECT cr.role_name FROM user_company_roles ucr JOIN company_roles cr ON cr.id = ucr.company_role_id
             WHERE ucr.user_id = u.id ORDER BY 1) AS company_roles
FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = :uid
""")


async def load_me(session: AsyncSession, actor: Actor) -> MeDTO:
    """The actor as the UI shows them (own row, or a staff member under a grant), with allowed actions."""
    actions = [a.value for a in Action if allowed(actor, a)]
    if actor.staff is None:
        row = (await session.execute(_ME_SQL, {"uid": actor.user_id})).mappings().one()
        return MeDTO(company_id=actor.company_id, is_platform_staff=actor.is_platform_staff,
                     allowed_actions=actions, **dict(row))
    # A staff member under a grant: their own row lives in the platform company.
    names = {"first_name": "", "last_name": ""}
    home = (await session.execute(text("SELECT company_id FROM tfai_login_lookup(:e)"), {"e": actor.email})).first()
    if home is not None:
        await set_tenant(session, int(home[0]))
        found = (await session.execute(text("SELECT first_name, last_name FROM users WHERE id = :uid"),
                                       {"uid": actor.user_id})).mappings().first()
        names = dict(found) if found else names
        await set_tenant(session, actor.company_id)
    company = (await session.execute(text("SELECT name FROM companies WHERE id = :cid"),
                                      {"cid": actor.company_id})).scalar_one()
    grant = actor.staff
    return MeDTO(id=actor.user_id, email=actor.email, company_id=actor.company_id, company_name=str(company),
                 system_roles=sorted(actor.system_roles), company_roles=sorted(actor.company_roles), available=False,
                 is_platform_staff=True, allowed_actions=actions,
                 staff=StaffInfoDTO(grant_id=grant.grant_id, mode=grant.mode, expires_at=grant.expires_at,
                                    staff_user_id=grant.staff_user_id), **names)
