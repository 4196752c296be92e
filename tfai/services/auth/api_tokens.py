"""Personal API tokens: made with email and password, expiring, optionally scoped, listed and revoked by the owner."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import system_tx, tenant_tx
from tfai.db.tables import ApiToken
from tfai.db.tables.common import utcnow
from tfai.domain.errors import NotFound
from tfai.domain.limits import API_TOKEN_DEFAULT_DAYS, API_TOKEN_MAX_DAYS, MAX_TOKEN_NAME
from tfai.domain.policy import TOKEN_SCOPES, Action, Actor, require
from tfai.domain.tokens import hash_token, new_token
from tfai.services.auth import _second_factor
from tfai.services.auth._credentials import verify_credentials
from tfai.services.common import audit, throttle
from tfai.services.common.identity import active_identity, set_tenant
from tfai.services.common.problems import Problems
from tfai.services.common.tx import actor_tx


class ApiTokenDTO(BaseModel):
    """A personal API token as its owner sees it (never the token itself); scopes None: the user's authority."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    scopes: list[str] | None
    last_used_at: datetime | None


def _check_input(name: str, expires_in_days: int, scopes: list[str] | None) -> tuple[str, list[str] | None]:
    p = Problems()
    name = (name or "").strip() or "API token"
    if len(name) > MAX_TOKEN_NAME:
        p.add("name", f"At most {MAX_TOKEN_NAME} characters")
    if isinstance(expires_in_days, bool) or not isinstance(expires_in_days, int) \
            or not 1 <= expires_in_days <= API_TOKEN_MAX_DAYS:
        p.add("expires_in_days", f"A token lives 1 to {API_TOKEN_MAX_DAYS} days")
    unknown = sorted(set(scopes or []) - set(TOKEN_SCOPES))
    if unknown:
        p.add("scopes", f"Unknown scopes: {', '.join(unknown)[:200]}; use {', '.join(TOKEN_SCOPES)}")
    p.raise_if_any()
    return name, sorted(set(scopes)) if scopes else None


async def create_api_token(email: str, password: str, *, name: str, ip: str,
                           expires_in_days: int = API_TOKEN_DEFAULT_DAYS, scopes: list[str] | None = None,
                           second_factor: str = "") -> str:
    """A new personal token for the user with these credentials (throttled per address and account).

    Without scopes the token carries the user's authority; with scopes it may only do what they allow. Platform
    staff also give their TOTP or a recovery code: a token must not be a way around the second factor.
    """
    name, scopes = _check_input(name, expires_in_days, scopes)
    await throttle.hit(throttle.TOKEN_IP, ip or "unknown")  # every creation attempt counts, before any check
    user_id, company_id = await verify_credentials(email, password, ip=ip)
    token = new_token()
    async with tenant_tx(company_id) as session:
        ident = await active_identity(session, user_id, company_id)
        actor = ident.actor()
        require(actor, Action.TOKEN_MANAGE)
        if ident.is_platform:
            await _second_factor.check(session, user_id, second_factor)
        row = ApiToken(company_id=company_id, user_id=user_id, name=name, token_hash=hash_token(token),
                       expires_at=utcnow() + timedelta(days=expires_in_days), scopes=scopes)
        session.add(row)
        await session.flush()
        await audit.record(session, actor, entity="api_token", entity_id=row.id or 0, action="create",
                           after={"name": name, "expires_at": row.expires_at.isoformat(), "scopes": scopes})
    return token


async def list_api_tokens(actor: Actor) -> list[ApiTokenDTO]:
    """The actor's own tokens that are neither revoked nor expired, newest first."""
    require(actor, Action.TOKEN_MANAGE)
    async with actor_tx(actor) as session:
        rows = (await session.execute(
            text("SELECT id, name, created_at, expires_at, scopes, last_used_at FROM api_tokens "
                 "WHERE company_id = :cid AND user_id = :uid AND revoked_at IS NULL AND expires_at > now() "
                 "ORDER BY id DESC LIMIT 200"),
            {"cid": actor.company_id, "uid": actor.user_id})).mappings().all()
    return [ApiTokenDTO(**dict(r)) for r in rows]


async def revoke_api_token(actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens; anyone else's answers not found."""
    require(actor, Action.TOKEN_MANAGE)
    async with actor_tx(actor) as session:
        done = (await session.execute(
            text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id AND company_id = :cid AND user_id = :uid "
                 "AND revoked_at IS NULL RETURNING id"),
            {"id": token_id, "cid": actor.company_id, "uid": actor.user_id})).first()
        if done is None:
            raise NotFound("API token not found")
        await audit.record(session, actor, entity="api_token", entity_id=token_id, action="revoke")


async def revoke_user_tokens(session: AsyncSession, company_id: int, user_id: int) -> int:
    """Revoke every live token of the user, in the caller's transaction; how many were revoked."""
    result = await session.execute(
        text("UPDATE api_tokens SET revoked_at = now() WHERE company_id = :cid AND user_id = :uid "
             "AND revoked_at IS NULL RETURNING id"), {"cid": company_id, "uid": user_id})
    return len(result.all())


async def revoke_bearer(token: str) -> None:
    """Revoke the token presented as the bearer credential (no error when already unknown)."""
    if not token or len(token) > 200:
        return
    async with system_tx() as session:
        row = (await session.execute(text("SELECT token_id, company_id FROM tfai_api_token_lookup(:h)"),
                                     {"h": hash_token(token)})).mappings().first()
        if row is None:
            return
        await set_tenant(session, row["company_id"])
        await session.execute(text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
                              {"id": row["token_id"]})
