"""Sign-up, personal API tokens, the session cookie (set from a browser-bound one-time login code) and logout."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor, check_origin, client_ip, session_token
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.errors import Unauthorized
from tfai.domain.limits import (
    API_TOKEN_DEFAULT_DAYS,
    API_TOKEN_MAX_DAYS,
    LOGIN_CODE_TTL_SECONDS,
    MAX_COMPANY_NAME,
    MAX_EMAIL,
    MAX_LOGIN_PASSWORD,
    MAX_NAME,
    MAX_TOKEN,
    MAX_TOKEN_NAME,
    MAX_URL,
)
from tfai.domain.policy import TOKEN_SCOPES
from tfai.services.accounts import registration
from tfai.services.accounts.dto import SignupResult
from tfai.services.auth import api_tokens, sessions
from tfai.services.auth.api_tokens import ApiTokenDTO
from tfai.settings import get_settings

router = APIRouter(tags=["auth"])


class SignupIn(BaseModel):
    company_name: str = Field(max_length=MAX_COMPANY_NAME)
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=MAX_LOGIN_PASSWORD)
    first_name: str = Field(max_length=MAX_NAME)
    last_name: str = Field(max_length=MAX_NAME)


class TokenIn(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=MAX_LOGIN_PASSWORD)
    name: str = Field(default="", max_length=MAX_TOKEN_NAME)
    expires_in_days: int = Field(default=API_TOKEN_DEFAULT_DAYS, ge=1, le=API_TOKEN_MAX_DAYS,
                                 description="The token's lifetime in days")
    scopes: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None, max_length=len(TOKEN_SCOPES),
        description=f"Narrow the token to some of {', '.join(TOKEN_SCOPES)} ('read': reading only); "
                    "omitted or empty: the user's whole authority")
    second_factor: str = Field(default="", max_length=64,
                               description="Ticketflower staff only: a TOTP code or a recovery code")


class TokenOut(BaseModel):
    token: str


class BindIn(BaseModel):
    code: str = Field(max_length=MAX_TOKEN)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: starting with one '/', no scheme, no backslashes."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    if any(ord(c) < 32 for c in target):
        return "/dashboard"
    return target


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(sessions.cookie_name(sessions.SESSION_COOKIE), token,
                        max_age=int(settings.session_absolute_days * 86400), path="/", httponly=True, samesite="lax",
                        secure=settings.secure_cookies)


def clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(sessions.cookie_name(sessions.SESSION_COOKIE), path="/", httponly=True, samesite="lax",
                           secure=settings.secure_cookies)


@router.post("/signup", status_code=201, response_model=SignupResult, responses=ERROR_RESPONSES)
async def signup(body: SignupIn, request: Request) -> SignupResult:
    """Create a company with its first admin (throttled per client address)."""
    return await registration.signup(company_name=body.company_name, email=body.email, password=body.password,
                                     first_name=body.first_name, last_name=body.last_name, ip=client_ip(request))


@router.post("/auth/tokens", status_code=201, response_model=TokenOut, responses=ERROR_RESPONSES)
async def create_token(body: TokenIn, request: Request) -> TokenOut:
    """A personal API token for `Authorization: Bearer` (shown once; only its hash is kept)."""
    token = await api_tokens.create_api_token(body.email, body.password, name=body.name, ip=client_ip(request),
                                              expires_in_days=body.expires_in_days, scopes=body.scopes,
                                              second_factor=body.second_factor)
    return TokenOut(token=token)


@router.get("/auth/tokens", response_model=list[ApiTokenDTO], responses=ERROR_RESPONSES)
async def list_tokens(actor: CurrentActor) -> list[ApiTokenDTO]:
    """The caller's own active API tokens."""
    return await api_tokens.list_api_tokens(actor)


@router.delete("/auth/tokens/current", status_code=204, responses=ERROR_RESPONSES)
async def revoke_current_token(request: Request) -> Response:
    """Revoke the bearer token this request was sent with."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise Unauthorized("Send the API token to revoke as `Authorization: Bearer`")
    token = header[7:].strip()
    await sessions.authenticate_bearer(token)
    await api_tokens.revoke_bearer(token)
    return Response(status_code=204)


@router.delete("/auth/tokens/{token_id}", status_code=204, responses=ERROR_RESPONSES)
async def revoke_token(token_id: int, actor: CurrentActor) -> Response:
    """Revoke one of the caller's own API tokens."""
    await api_tokens.revoke_api_token(actor, token_id)
    return Response(status_code=204)


@router.post("/auth/nonce", status_code=204, responses=ERROR_RESPONSES)
async def bind_login_code(body: BindIn, request: Request) -> Response:
    """Bind a one-time login code to this browser: sets the short-lived pre-login nonce cookie (HttpOnly).

    The UI's hand-off posts here, then loads GET /auth/session, which refuses a browser-bound code without the
    nonce it was bound to (login CSRF). Same-origin only; a code is bound once."""
    check_origin(request)
    nonce = await sessions.bind_login_code(body.code)
    response = Response(status_code=204)
    response.set_cookie(sessions.cookie_name(sessions.LOGIN_NONCE_COOKIE), nonce, max_age=LOGIN_CODE_TTL_SECONDS,
                        path="/", httponly=True, samesite="lax", secure=get_settings().secure_cookies)
    return response


@router.get("/auth/session", status_code=303, response_class=RedirectResponse,
            responses={303: {"description": "Cookie set; redirect to next"}, 422: ERROR_RESPONSES[422]})
async def start_session(request: Request, code: Annotated[str, Query(max_length=MAX_TOKEN)] = "",
                        next: Annotated[str, Query(max_length=MAX_URL)] = "/dashboard") -> Response:
    """Exchange a one-time login code for a new session cookie and redirect to `next` (relative paths only).

    A code from the login form, sign-up or the staff switch needs the nonce cookie of POST /auth/nonce."""
    nonce_cookie = sessions.cookie_name(sessions.LOGIN_NONCE_COOKIE)
    try:
        token = await sessions.redeem_login_code(code, nonce=request.cookies.get(nonce_cookie), ip=client_ip(request),
                                                 user_agent=request.headers.get("user-agent", ""))
    except Unauthorized:
        response: Response = RedirectResponse("/login?" + urlencode({"error": "expired"}), status_code=303)
    else:
        old = session_token(request)
        if old:
            await sessions.logout(old)
        response = RedirectResponse(safe_next(next), status_code=303)
        set_session_cookie(response, token)
    if nonce_cookie in request.cookies:
        response.delete_cookie(nonce_cookie, path="/", httponly=True, samesite="lax",
                               secure=get_settings().secure_cookies)
    return response


@router.post("/auth/logout", status_code=204, responses=ERROR_RESPONSES)
async def logout(request: Request) -> Response:
    """End the cookie's session and clear the cookie (POST only, same origin: no logout by a foreign page)."""
    check_origin(request)
    response = Response(status_code=204)
    token = session_token(request)
    if token:
        await sessions.logout(token)
    clear_session_cookie(response)
    return response
