"""Personal API tokens: created with email and password, stored hashed, listed and revoked by their owner."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import text

from tfai.db.session import system_tx, tenant_tx
from tfai.db.tables import ApiToken
from tfai.domain.errors import Forbidden, InvalidInput, NotFound
from tfai.domain.policy import Actor
from tfai.domain.tokens import hash_token, new_token
from tfai.services.auth._credentials import verify_credentials
from tfai.services.common import audit, throttle
from tfai.services.common.identity import active_identity, set_tenant
from tfai.services.common.tx import actor_tx


class ApiTokenDTO(BaseModel):
    """A personal API token as its owner sees it (never the token itself)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


async def create_api_token(email: str, password: str, *, name: str, ip: str) -> str:
    """A new personal token for the user with these credentials (throttled per address and account)."""
    name = (name or "").strip() or "API token"
    if len(name) > 100:
        raise InvalidInput("The token name is too long",
                           details=[{"field": "name", "message": "At most 100 characters"}])
    await throttle.hit(throttle.TOKEN_IP, ip or "unknown")  # every creation attempt counts, before any check
    user_id, company_id = await verify_credentials(email, password, ip=ip)
    token = new_token()
    async with tenant_tx(company_id) as session:
        actor = (await active_identity(session, user_id, company_id)).actor()
        row = ApiToken(company_id=company_id, user_id=user_id, name=name, token_hash=hash_token(token))
        session.add(row)
        await session.flush()
        await audit.record(session, actor, entity="api_token", entity_id=row.id or 0, action="create",
                           after={"name": name})
    return token


async def list_api_tokens(actor: Actor) -> list[ApiTokenDTO]:
    """The actor's own tokens that are not revoked, newest first."""
    async with actor_tx(actor) as session:
        rows = (await session.execute(
            text("SELECT id, name, created_at, last_used_at FROM api_tokens WHERE company_id = :cid "
                 "AND user_id = :uid AND revoked_at IS NULL ORDER BY id DESC LIMIT 200"),
            {"cid": actor.company_id, "uid": actor.user_id})).mappings().all()
    return [ApiTokenDTO(**dict(r)) for r in rows]


async def revoke_api_token(actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens; anyone else's answers not found."""
    if actor.read_only:
        raise Forbidden("Read-only staff access cannot change anything", code="read_only")
    async with actor_tx(actor) as session:
        done = (await session.execute(
            text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id AND company_id = :cid AND user_id = :uid "
                 "AND revoked_at IS NULL RETURNING id"),
            {"id": token_id, "cid": actor.company_id, "uid": actor.user_id})).first()
        if done is None:
            raise NotFound("API token not found")
        await audit.record(session, actor, entity="api_token", entity_id=token_id, action="revoke")


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
