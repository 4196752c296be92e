"""The current user's own account: who am I, name, email and password changes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.errors import Conflict, Forbidden, InvalidInput
from tfai.domain.limits import MAX_NAME
from tfai.domain.policy import Action, Actor, require
from tfai.domain.tokens import hash_token
from tfai.services.accounts._me import load_me
from tfai.services.accounts.dto import MeDTO
from tfai.services.accounts.users import EMAIL_TAKEN, email_taken, is_email_conflict
from tfai.services.auth.api_tokens import revoke_user_tokens
from tfai.services.auth.sessions import revoke_user_sessions
from tfai.services.common import audit, passwords, throttle
from tfai.services.common.problems import Problems
from tfai.services.common.tx import actor_tx


async def get_me(actor: Actor) -> MeDTO:
    """The current user (any authenticated actor may see themselves)."""
    async with actor_tx(actor) as session:
        return await load_me(session, actor)


def _own_profile(actor: Actor) -> None:
    require(actor, Action.PROFILE_EDIT)
    if actor.staff is not None:
        raise Forbidden("Staff change their own profile in the platform company")


async def update_profile(actor: Actor, *, first_name: str, last_name: str) -> MeDTO:
    """Change the current user's first and last name."""
    _own_profile(actor)
    p = Problems()
    first_name = p.text("first_name", first_name, max_length=MAX_NAME, label="First name")
    last_name = p.text("last_name", last_name, max_length=MAX_NAME, label="Last name")
    p.raise_if_any()
    async with actor_tx(actor) as session:
        before = (await session.execute(text("SELECT first_name, last_name FROM users WHERE id = :uid"),
                                        {"uid": actor.user_id})).mappings().one()
        await session.execute(text("UPDATE users SET first_name = :f, last_name = :l WHERE id = :uid"),
                              {"f": first_name, "l": last_name, "uid": actor.user_id})
        await audit.record(session, actor, entity="user", entity_id=actor.user_id, action="update_profile",
                           before=dict(before), after={"first_name": first_name, "last_name": last_name})
        return await load_me(session, actor)


async def _check_password(session: AsyncSession, actor: Actor, password: str, field: str) -> None:
    await throttle.hit(throttle.LOGIN_ACCOUNT, actor.email)  # claimed first: concurrent guesses cannot slip past
    stored = (await session.execute(text("SELECT password_hash FROM users WHERE id = :uid"),
                                    {"uid": actor.user_id})).scalar_one_or_none()
    if await passwords.verify_password(stored, (password or "")[:1024]):
        await throttle.refund(throttle.LOGIN_ACCOUNT, actor.email)
    else:
        raise InvalidInput("The password is wrong", details=[{"field": field, "message": "The password is wrong"}])


async def change_email(actor: Actor, *, new_email: str, password: str) -> MeDTO:
    """Change the current user's email after checking their password; Conflict when the email is taken."""
    _own_profile(actor)
    p = Problems()
    new_email = p.email("new_email", new_email)
    p.raise_if_any()
    try:
        async with actor_tx(actor) as session:
            await _check_password(session, actor, password, "password")
            old = (await session.execute(text("SELECT email FROM users WHERE id = :uid"),
                                         {"uid": actor.user_id})).scalar_one()
            if old.lower() != new_email.lower() and await email_taken(new_email):
                raise Conflict(EMAIL_TAKEN, details=[{"field": "new_email", "message": EMAIL_TAKEN}])
            await session.execute(text("UPDATE users SET email = :e WHERE id = :uid"),
                                  {"e": new_email, "uid": actor.user_id})
            await audit.record(session, actor, entity="user", entity_id=actor.user_id, action="change_email",
                               before={"email": old}, after={"email": new_email})
            return await load_me(session, actor)
    except IntegrityError as exc:
        if is_email_conflict(exc):
            raise Conflict(EMAIL_TAKEN, details=[{"field": "new_email", "message": EMAIL_TAKEN}]) from None
        raise


async def change_password(actor: Actor, *, current_password: str, new_password: str,
                          keep_session_token: str | None = None, revoke_tokens: bool = True) -> None:
    """Change the password after checking the current one; ends every other session of the user and, unless
    asked not to, revokes their API tokens (a leaked password may have made one)."""
    _own_profile(actor)
    p = Problems()
    p.password("new_password", new_password, email=actor.email)
    p.raise_if_any()
    new_hash = await passwords.hash_password(new_password)
    async with actor_tx(actor) as session:
        await _check_password(session, actor, current_password, "current_password")
        await session.execute(text("UPDATE users SET password_hash = :h WHERE id = :uid"),
                              {"h": new_hash, "uid": actor.user_id})
        await revoke_user_sessions(session, actor.company_id, actor.user_id,
                                   except_token_hash=hash_token(keep_session_token) if keep_session_token else None)
        revoked = await revoke_user_tokens(session, actor.company_id, actor.user_id) if revoke_tokens else 0
        await audit.record(session, actor, entity="user", entity_id=actor.user_id, action="change_password",
                           after={"api_tokens_revoked": revoked})
