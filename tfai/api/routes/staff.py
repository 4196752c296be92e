"""Staff access: the console, grants (start, end, list, activity), the audit log and the staff-write setting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from tfai.api.deps import CurrentActor, client_ip, session_token
from tfai.api.errors import ERROR_RESPONSES
from tfai.api.routes.auth import set_session_cookie
from tfai.domain.errors import NotFound
from tfai.domain.limits import (
    MAX_KEY,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_SEARCH,
    MAX_STAFF_REASON,
    STAFF_GRANT_DEFAULT_MINUTES,
    STAFF_GRANT_MAX_MINUTES,
)
from tfai.domain.policy import Actor
from tfai.services.auth import sessions
from tfai.services.common.pagination import Page
from tfai.services.staff import access, approval, history, mine
from tfai.services.staff.dto import AuditEntryDTO, GrantDTO, OwnGrantDTO, StaffAccessSettingsDTO, StaffConsoleDTO

router = APIRouter(tags=["staff"])


class GrantIn(BaseModel):
    company_id: int = Field(ge=1)
    reason: str = Field(max_length=MAX_STAFF_REASON)
    mode: Literal["read", "write"] = "read"
    minutes: int = Field(default=STAFF_GRANT_DEFAULT_MINUTES, ge=1, le=STAFF_GRANT_MAX_MINUTES)


class GrantOut(BaseModel):
    """The new grant. A cookie session is switched at once (session_switched); an API-token caller gets
    switch_url, a one-time link (60 s) that starts a browser session acting under the grant."""

    grant_id: int
    expires_at: datetime
    company_id: int
    company_name: str
    mode: str
    status: str = "active"  # "pending": the company approves first; then POST /staff/grants/{id}/enter
    session_switched: bool
    switch_url: str | None = None


class EnterOut(BaseModel):
    """Like GrantOut: a cookie session is switched at once; an API-token caller gets a one-time link."""

    session_switched: bool
    switch_url: str | None = None


class StaffWriteIn(BaseModel):
    allowed: bool


class StaffReadIn(BaseModel):
    staff_read_access: Literal["allowed", "approval", "disabled"]


def _cookie_session(request: Request) -> str | None:
    """The session cookie, when the request is authenticated by it (not by a bearer token)."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return None
    return session_token(request)


async def _rotate(request: Request, response: Response, actor: Actor, old_token: str,
                  grant_id: int | None) -> None:
    """Replace the cookie's session with a new one (under grant_id, or the staff member's own identity)."""
    code = await access.switch_code(actor, grant_id=grant_id)
    token = await sessions.finish_login(code, ip=client_ip(request), user_agent=request.headers.get("user-agent", ""),
                                    staff_grant_id=grant_id)
    await sessions.logout(old_token)
    set_session_cookie(response, token)


@router.get("/staff/companies", response_model=StaffConsoleDTO, responses=ERROR_RESPONSES)
async def staff_companies(actor: CurrentActor,
                          search: Annotated[str, Query(max_length=MAX_SEARCH)] = "") -> StaffConsoleDTO:
    """The staff console: customer companies with counts (no content) and platform totals (staff only)."""
    return await access.console(actor, search=search)


@router.post("/staff/grants", status_code=201, response_model=GrantOut, responses=ERROR_RESPONSES)
async def create_grant(body: GrantIn, request: Request, response: Response, actor: CurrentActor) -> GrantOut:
    """Start a grant into a customer company (staff only) and switch the session cookie to it."""
    grant = await access.start_grant(actor, company_id=body.company_id, reason=body.reason, mode=body.mode,
                                    minutes=body.minutes)
    entered = EnterOut(session_switched=False) if grant.status == "pending" else await _enter(
        request, response, actor, grant.grant_id)
    return GrantOut(grant_id=grant.grant_id, expires_at=grant.expires_at, company_id=grant.company_id,
                    company_name=grant.company_name, mode=grant.mode, status=grant.status,
                    session_switched=entered.session_switched, switch_url=entered.switch_url)


async def _enter(request: Request, response: Response, actor: Actor, grant_id: int) -> EnterOut:
    old = _cookie_session(request)
    if old:
        await _rotate(request, response, actor, old, grant_id)
        return EnterOut(session_switched=True)
    # A bearer caller has no browser to bind the code to: the link works in whichever browser opens it.
    code = await access.switch_code(actor, grant_id=grant_id, browser_bound=False)
    return EnterOut(session_switched=False,
                    switch_url="/api/v1/auth/session?" + urlencode({"code": code, "next": "/dashboard"}))


@router.get("/staff/my-grants", response_model=Page[OwnGrantDTO], responses=ERROR_RESPONSES)
async def my_grants(actor: CurrentActor, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 25) -> Page[OwnGrantDTO]:
    """Your own grants in every company, newest first: pending, active (can_enter), denied, expired, ended."""
    return await mine.list_my_grants(actor, page=page, page_size=page_size)


@router.post("/staff/grants/{grant_id}/enter", response_model=EnterOut, responses=ERROR_RESPONSES)
async def enter_grant(grant_id: int, request: Request, response: Response, actor: CurrentActor) -> EnterOut:
    """Switch into one of your grants once the company approved it (staff only). 403 grant_pending while it waits,
    grant_denied, grant_expired or grant_ended after; 404 for a grant that is not yours."""
    return await _enter(request, response, actor, grant_id)


@router.post("/staff/grants/{grant_id}/approve", response_model=GrantDTO, responses=ERROR_RESPONSES)
async def approve_grant(grant_id: int, actor: CurrentActor) -> GrantDTO:
    """Approve a pending staff grant (company admins); its duration starts now. 409 when it no longer waits."""
    return await approval.decide_grant(actor, grant_id, approve=True)


@router.post("/staff/grants/{grant_id}/deny", response_model=GrantDTO, responses=ERROR_RESPONSES)
async def deny_grant(grant_id: int, actor: CurrentActor) -> GrantDTO:
    """Deny a pending staff grant (company admins). 409 when it no longer waits."""
    return await approval.decide_grant(actor, grant_id, approve=False)


@router.get("/staff/grants/current", response_model=GrantDTO, responses=ERROR_RESPONSES)
async def get_current_grant(actor: CurrentActor) -> GrantDTO:
    """The grant this session acts under (what the banner shows); 404 when none."""
    grant = await access.current_grant(actor)
    if grant is None:
        raise NotFound("You are not acting under a staff grant")
    return grant


@router.delete("/staff/grants/current", status_code=204, responses=ERROR_RESPONSES)
async def end_current_grant(request: Request, actor: CurrentActor) -> Response:
    """End the session's grant now and switch the cookie back to the staff member's own identity."""
    await access.end_grant(actor)
    response = Response(status_code=204)
    old = _cookie_session(request)
    if old:
        await _rotate(request, response, actor, old, None)
    return response


@router.get("/staff/grants", response_model=Page[GrantDTO], responses=ERROR_RESPONSES)
async def list_grants(actor: CurrentActor, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                      page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 25) -> Page[GrantDTO]:
    """The company's staff grants, newest first (company admins)."""
    return await history.list_grants(actor, page=page, page_size=page_size)


@router.get("/staff/grants/{grant_id}/activity", response_model=list[AuditEntryDTO], responses=ERROR_RESPONSES)
async def grant_activity(grant_id: int, actor: CurrentActor) -> list[AuditEntryDTO]:
    """What was done under one of the company's grants (company admins)."""
    return await history.grant_activity(actor, grant_id)


@router.get("/audit", response_model=Page[AuditEntryDTO], responses=ERROR_RESPONSES)
async def audit_log(actor: CurrentActor, entity: Annotated[str | None, Query(max_length=MAX_KEY)] = None,
                    actor_id: Annotated[int | None, Query(alias="actor", ge=1)] = None,
                    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50) -> Page[AuditEntryDTO]:
    """The company's audit log (company admins; staff under a grant)."""
    return await history.list_audit(actor, entity=entity or None, actor_id=actor_id, page=page, page_size=page_size)


@router.get("/company/staff-write", response_model=StaffAccessSettingsDTO, responses=ERROR_RESPONSES)
async def get_staff_write(actor: CurrentActor) -> StaffAccessSettingsDTO:
    """Whether Ticketflower staff may get read-write grants into this company."""
    return await access.staff_access_settings(actor)


@router.put("/company/staff-write", response_model=StaffAccessSettingsDTO, responses=ERROR_RESPONSES)
async def put_staff_write(body: StaffWriteIn, actor: CurrentActor) -> StaffAccessSettingsDTO:
    """Allow or refuse read-write staff grants (company admins); refusing ends live write grants."""
    await access.set_staff_write_allowed(actor, body.allowed)
    return await access.staff_access_settings(actor)


@router.put("/company/staff-access", response_model=StaffAccessSettingsDTO, responses=ERROR_RESPONSES)
async def put_staff_access(body: StaffReadIn, actor: CurrentActor) -> StaffAccessSettingsDTO:
    """Staff grants into this company: allowed, approval (an admin approves each) or disabled (live ones end)."""
    await approval.set_staff_read_access(actor, body.staff_read_access)
    return await access.staff_access_settings(actor)
