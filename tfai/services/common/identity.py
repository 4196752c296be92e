"""Build an Actor from a user row (roles, company kind) inside a tenant transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.errors import Unauthorized
from tfai.domain.policy import Actor

_USER_SQL = text("""
SELECT u.id, u.email, u.is_active, c.is_platform,
       ARRAY(SELECT r.role::text FROM user_system_roles r WHERE r.user_id = u.id ORDER BY 1) AS system_roles,
       ARRAY(SELECT cr.role_name FROM user_company_roles ucr JOIN company_roles cr ON cr.id = ucr.company_role_id
             WHERE ucr.user_id = u.id ORDER BY 1) AS company_roles
FROM users u JOIN companies c ON c.id = u.company_id
WHERE u.id = :uid AND u.company_id = :cid
""")


@dataclass(frozen=True)
class Identity:
    """A user as seen by authentication."""

    user_id: int
    company_id: int
    email: str
    is_active: bool
    is_platform: bool
    system_roles: frozenset[str]
    company_roles: frozenset[str]

    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, company_id=self.company_id, system_roles=self.system_roles,
                     company_roles=self.company_roles, email=self.email, is_platform_staff=self.is_platform)


async def set_tenant(session: AsyncSession, company_id: int) -> None:
    """Switch the current transaction to a company (after a SECURITY DEFINER lookup told us which)."""
    await session.execute(text("SELECT set_config('app.company_id', :cid, true)"), {"cid": str(int(company_id))})


async def load_identity(session: AsyncSession, user_id: int, company_id: int) -> Identity | None:
    """The user with their roles, or None (the session's tenant must already be company_id)."""
    row = (await session.execute(_USER_SQL, {"uid": user_id, "cid": company_id})).mappings().first()
    if row is None:
        return None
    return Identity(user_id=int(row["id"]), company_id=company_id, email=str(row["email"]),
                    is_active=bool(row["is_active"]), is_platform=bool(row["is_platform"]),
                    system_roles=frozenset(row["system_roles"]), company_roles=frozenset(row["company_roles"]))


async def active_identity(session: AsyncSession, user_id: int, company_id: int) -> Identity:
    """Like load_identity, but Unauthorized for a missing or deactivated user."""
    ident = await load_identity(session, user_id, company_id)
    if ident is None or not ident.is_active:
        raise Unauthorized("Your session has ended; log in again")
    return ident
