"""Request dependencies: the authenticated actor (bearer token or session cookie) and Origin checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tfai.api.origin import is_foreign
from tfai.domain.errors import Forbidden, Unauthorized
from tfai.domain.policy import Actor
from tfai.observability.client_ip import from_scope
from tfai.observability.logging import bind_actor
from tfai.settings import get_settings


def client_ip(request: Request) -> str:
    """The client's address (X-Forwarded-For only through TFAI_TRUSTED_PROXIES)."""
    return from_scope(request.scope)


def session_token(request: Request) -> str | None:
    """The session cookie's value (`__Host-tfai_session` over https, `tfai_session` over http), or None."""
    from tfai.services.auth import sessions

    return request.cookies.get(sessions.cookie_name(sessions.SESSION_COOKIE)) or None


def check_origin(request: Request) -> None:
    """Cookie-authenticated requests of every method must come from our own origin.

    Reads too: a page on a sibling subdomain or another local port could otherwise read the victim's data with
    their cookie (CSRF and cross-origin reads; CORS allows only PUBLIC_URL, this refuses the request itself)."""
    if is_foreign(request.headers.get("origin"), request.headers.get("sec-fetch-site"), get_settings().public_url):
        raise Forbidden("Cross-origin request refused", code="bad_origin")


async def current_actor(request: Request) -> Actor:
    """The actor behind the request (also put in the log context)."""
    actor = await _authenticate(request)
    bind_actor(actor.real_user_id, actor.company_id)
    return actor


async def _authenticate(request: Request) -> Actor:
    """The actor from `Authorization: Bearer` or the session cookie."""
    from tfai.services.auth import sessions

    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await sessions.authenticate_bearer(header[7:].strip())
    cookie = session_token(request)
    if cookie:
        check_origin(request)
        return await sessions.authenticate_session(cookie)
    raise Unauthorized("Log in or send an API token")


CurrentActor = Annotated[Actor, Depends(current_actor)]
