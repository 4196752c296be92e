"""Authentication: bearer tokens, server-side sessions, login with one-time codes, logout and revocation."""

from __future__ import annotations

import dataclasses
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from typing import Any

from sqlalchemy import RowMapping, TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import autocommit, system_tx, tenant_tx
from tfai.db.tables import Session
from tfai.domain.errors import Forbidden, Unauthorized
from tfai.domain.limits import LOGIN_CODE_TTL_SECONDS
from tfai.domain.policy import ADMIN, USER, Actor, StaffGrant
from tfai.domain.tokens import hash_token, new_token
from tfai.redis_client import get_async_redis
from tfai.services.auth import _second_factor
from tfai.services.auth._credentials import verify_credentials
from tfai.services.common import audit
from tfai.services.common.identity import Identity, active_identity, set_tenant
from tfai.settings import get_settings

SESSION_COOKIE = "tfai_session"
LOGIN_NONCE_COOKIE = "tfai_login_nonce"
LOGIN_CODE_PREFIX = "tfai:login-code:"
LOGIN_NONCE_PREFIX = "tfai:login-nonce:"
_BAD_CODE = "The login link is not valid or has expired"
_TOUCH_EVERY = timedelta(minutes=1)
_ENDED = "Your session has ended; log in again"
# Token hash -> when this process last wrote its last_used_at (monotonic): at most one write a minute per process.
_token_touched: dict[str, float] = {}
_TOKEN_TOUCH_CACHE = 10_000


def _now() -> datetime:
    return datetime.now(UTC)


_TOKEN_ACTOR = text("SELECT * FROM tfai_token_actor(:h, :touch)")
_SESSION_ACTOR = text("SELECT * FROM tfai_session_actor(:h, :idle)")


async def _one_row(statement: TextClause, params: dict[str, Any]) -> RowMapping | None:
    """The first row of a SECURITY DEFINER lookup, as one autocommit statement (one round trip, no transaction)."""
    async with autocommit() as conn:
        return (await conn.execute(statement, params)).mappings().first()


def _identity(row: RowMapping) -> Identity:
    """The user columns of tfai_token_actor / tfai_session_actor (migration 0017)."""
    return Identity(user_id=int(row["user_id"]), company_id=int(row["company_id"]), email=str(row["email"] or ""),
                    is_active=bool(row["is_active"]), is_platform=bool(row["is_platform"]),
                    system_roles=frozenset(row["system_roles"] or ()),
                    company_roles=frozenset(row["company_roles"] or ()))


async def authenticate_bearer(token: str) -> Actor:
    """The actor behind a personal API token, narrowed to its scopes; Unauthorized for unknown, revoked, expired
    or deactivated (all alike). One statement reads the token, its user and roles and records the use."""
    if not token or len(token) > 200:
        raise Unauthorized("The API token is not valid")
    token_hash = hash_token(token)
    row = await _one_row(_TOKEN_ACTOR, {"h": token_hash, "touch": _should_touch(token_hash)})
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= _now():
        raise Unauthorized("The API token is not valid")
    ident = _identity(row)
    if not ident.is_active or row["email"] is None:
        raise Unauthorized(_ENDED)
    return dataclasses.replace(ident.actor(), scopes=frozenset(row["scopes"]) if row["scopes"] else None)


def _should_touch(token_hash: str) -> bool:
    """True when this process has not recorded the token's use in the last minute (saves a write per request)."""
    now = time.monotonic()
    if now - _token_touched.get(token_hash, -1e9) < _TOUCH_EVERY.total_seconds():
        return False
    if len(_token_touched) >= _TOKEN_TOUCH_CACHE:
        _token_touched.clear()
    _token_touched[token_hash] = now
    return True


async def authenticate_session(token: str) -> Actor:
    """The actor behind a session token; Unauthorized when revoked, expired, idle too long or deactivated. One
    statement reads the session, its staff grant, the user and roles, and records the activity (once a minute)."""
    if not token or len(token) > 200:
        raise Unauthorized(_ENDED)
    settings = get_settings()
    now = _now()
    row = await _one_row(_SESSION_ACTOR, {"h": hash_token(token), "idle": int(settings.session_idle_hours)})
    if (row is None or row["revoked_at"] is not None or row["expires_at"] <= now
            or row["last_seen_at"] + timedelta(hours=settings.session_idle_hours) <= now):
        raise Unauthorized(_ENDED)
    ident = _identity(row)
    if not ident.is_active or row["email"] is None:
        raise Unauthorized(_ENDED)
    if row["staff_grant_id"] is not None and ident.is_platform:
        if row["grant_ended_at"] is None and row["grant_expires_at"] is not None and row["grant_expires_at"] > now:
            grant = StaffGrant(grant_id=int(row["staff_grant_id"]), company_id=int(row["grant_company_id"]),
                               mode=str(row["grant_mode"]), expires_at=row["grant_expires_at"],
                               staff_user_id=ident.user_id)
            return Actor(user_id=ident.user_id, company_id=grant.company_id, system_roles=frozenset({ADMIN, USER}),
                         company_roles=frozenset({USER}), email=ident.email, is_platform_staff=True, staff=grant)
    return ident.actor()


def cookie_name(base: str) -> str:
    """A cookie's name as set and read: `__Host-`-prefixed over https, plain over http (development).

    Browsers accept a `__Host-` cookie only from a secure origin, host-only, with Path=/: a sibling subdomain or a
    plain-http page cannot plant one (no session fixation or login CSRF by cookie tossing). Over http the prefix
    would be refused, so development keeps the plain name."""
    return ("__Host-" if get_settings().secure_cookies else "") + base


def session_cookie_value(cookie_header: str | None) -> str | None:
    """The session cookie's value from a Cookie header, or None."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(cookie_name(SESSION_COOKIE))
    return morsel.value if morsel is not None and morsel.value else None


async def actor_from_cookie_header(cookie_header: str | None) -> Actor | None:
    """The actor behind the Cookie header's tfai_session, or None when absent or no longer valid."""
    token = session_cookie_value(cookie_header)
    if token is None:
        return None
    try:
        return await authenticate_session(token)
    except Unauthorized:
        return None


async def start_login(email: str, password: str, *, ip: str, second_factor: str = "") -> str:
    """Check the credentials (throttled) and return a one-time login code for finish_login.

    Platform staff also give a TOTP or recovery code: without it, Unauthorized with code second_factor_required
    (after the password was found right), and the form asks for it.
    """
    user_id, company_id = await verify_credentials(email, password, ip=ip)
    async with tenant_tx(company_id) as session:
        if (await active_identity(session, user_id, company_id)).is_platform:
            await _second_factor.check(session, user_id, second_factor)
    return await issue_login_code(user_id, company_id)


async def issue_login_code(user_id: int, company_id: int, *, staff_grant_id: int | None = None,
                           browser_bound: bool = True) -> str:
    """A random code valid once for LOGIN_CODE_TTL_SECONDS seconds, bound to the user (and a staff grant).

    A browser-bound code (the default) opens a session at the session route only in the browser that bound it
    (bind_login_code), so nobody can log a victim's browser into their own account (login CSRF). An unbound one
    is a link any browser may open once: only for a caller that has no browser of its own (a bearer staff switch)."""
    code = new_token()
    payload = json.dumps({"user_id": int(user_id), "company_id": int(company_id), "staff_grant_id": staff_grant_id,
                          "browser_bound": browser_bound})
    await get_async_redis().set(LOGIN_CODE_PREFIX + hash_token(code), payload, ex=LOGIN_CODE_TTL_SECONDS)
    return code


async def bind_login_code(code: str) -> str:
    """Bind a live login code to a new random nonce, once; the caller sets the nonce as the pre-login cookie.

    The UI's hand-off calls this (a same-origin POST) right before it loads the session route: its websocket
    cannot set cookies, and a page of another origin cannot make the POST (Origin check)."""
    if not code or len(code) > 200:
        raise Unauthorized(_BAD_CODE)
    redis = get_async_redis()
    ttl_ms = int(await redis.pttl(LOGIN_CODE_PREFIX + hash_token(code)))
    nonce = new_token()
    # NX: a code already bound (by whoever saw it first) is never re-bound to another browser.
    if ttl_ms <= 0 or not await redis.set(LOGIN_NONCE_PREFIX + hash_token(code), hash_token(nonce), px=ttl_ms,
                                          nx=True):
        raise Unauthorized(_BAD_CODE)
    return nonce


async def redeem_login_code(code: str, *, nonce: str | None, ip: str, user_agent: str) -> str:
    """The session route's exchange: finish_login, but a browser-bound code needs the nonce it was bound to.

    A mismatch still burns the code."""
    data = await _take_code(code)
    raw = await get_async_redis().getdel(LOGIN_NONCE_PREFIX + hash_token(code))
    bound_to = raw.decode() if isinstance(raw, bytes) else raw
    if data.get("browser_bound", True) and (
            not bound_to or not nonce or not hmac.compare_digest(bound_to, hash_token(nonce))):
        raise Unauthorized(_BAD_CODE)
    return await _open_session(data, ip=ip, user_agent=user_agent, staff_grant_id=None)


async def finish_login(code: str, *, ip: str, user_agent: str, staff_grant_id: int | None = None) -> str:
    """Consume a login code once and start a new session; returns the session token.

    For exchanges inside one request (a cookie session's staff switch); a browser presents a code only at the
    session route, which calls redeem_login_code."""
    return await _open_session(await _take_code(code), ip=ip, user_agent=user_agent, staff_grant_id=staff_grant_id)


async def _take_code(code: str) -> dict[str, Any]:
    """The login code's payload, deleted at once (a code is good for one try)."""
    if not code or len(code) > 200:
        raise Unauthorized(_BAD_CODE)
    raw = await get_async_redis().getdel(LOGIN_CODE_PREFIX + hash_token(code))
    if raw is None:
        raise Unauthorized(_BAD_CODE)
    data: dict[str, Any] = json.loads(raw)
    return data


async def _open_session(data: dict[str, Any], *, ip: str, user_agent: str, staff_grant_id: int | None) -> str:
    grant_id = staff_grant_id if staff_grant_id is not None else data.get("staff_grant_id")
    user_id, company_id = int(data["user_id"]), int(data["company_id"])
    token = new_token()
    async with tenant_tx(company_id) as session:
        ident = await active_identity(session, user_id, company_id)
        if grant_id is not None and not ident.is_platform:
            raise Forbidden("Only platform staff can act under a staff grant")
        row = Session(company_id=company_id, user_id=user_id, token_hash=hash_token(token), staff_grant_id=grant_id,
                      user_agent=(user_agent or "")[:300], ip=(ip or "")[:64],
                      expires_at=_now() + timedelta(days=get_settings().session_absolute_days))
        session.add(row)
        await session.flush()
        if grant_id is not None:
            await _check_grant(session, row.token_hash, int(grant_id), user_id)
            await set_tenant(session, company_id)
        await audit.record(session, ident.actor(), entity="session", entity_id=row.id or 0, action="login",
                           after={"ip": row.ip, "staff_grant_id": grant_id})
    return token


async def _check_grant(session: AsyncSession, token_hash: str, grant_id: int, staff_user_id: int) -> None:
    """The grant must be live and belong to this staff member (checked inside the grant's company)."""
    row = (await session.execute(text("SELECT grant_company_id FROM tfai_session_lookup(:h)"),
                                 {"h": token_hash})).first()
    if row is None or row[0] is None:
        raise Forbidden("The staff grant is not valid")
    await set_tenant(session, int(row[0]))
    owner = (await session.execute(
        # A grant waiting for the company's approval (or denied) cannot be entered.
        text("SELECT staff_user_id FROM staff_grants WHERE id = :gid AND ended_at IS NULL AND expires_at > now() "
             "AND coalesce(approval, 'approved') = 'approved'"),
        {"gid": grant_id})).scalar_one_or_none()
    if owner is None or int(owner) != staff_user_id:
        raise Forbidden("The staff grant is not valid")


async def logout(session_token: str) -> None:
    """Revoke the session at once (no error when it is already gone)."""
    if not session_token or len(session_token) > 200:
        return
    async with system_tx() as session:
        row = (await session.execute(text("SELECT session_id, company_id FROM tfai_session_lookup(:h)"),
                                     {"h": hash_token(session_token)})).mappings().first()
        if row is None:
            return
        await set_tenant(session, row["company_id"])
        await session.execute(text("UPDATE sessions SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
                              {"id": row["session_id"]})


async def revoke_user_sessions(session: AsyncSession, company_id: int, user_id: int, *,
                               except_token_hash: str | None = None) -> None:
    """End every session of the user, in the caller's transaction (optionally keeping one)."""
    await session.execute(
        text("UPDATE sessions SET revoked_at = now() WHERE company_id = :cid AND user_id = :uid "
             "AND revoked_at IS NULL AND token_hash <> :keep"),
        {"cid": company_id, "uid": user_id, "keep": except_token_hash or ""})

