"""Shared UI state: identity in backend-only vars, derived from the session cookie on every event."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import ADMIN, TASK_WORKER, TICKET_ADMIN, WORKFLOW_CREATOR, Actor
from tfai.observability.client_ip import client_ip
from tfai.services.accounts import profile
from tfai.services.auth import sessions
from tfai.services.staff import access
from tfai.ui.state.staff_helpers import banner_text

log = logging.getLogger(__name__)
LOGIN_ROUTE = "/login"
HOME_ROUTE = "/dashboard"
NOTICE_LEVELS = frozenset({"success", "error", "warning", "info"})
NOTICE_MAX = 500


def safe_next(path: str | None) -> str:
    """A local path to go to after login (never another site), else the dashboard."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 300:
        return HOME_ROUTE
    return path


def session_hop_url(code: str, next_path: str | None = None) -> str:
    """The session route's URL: a full page load of it swaps the one-time code for the HttpOnly cookie."""
    return "/api/v1/auth/session?" + urlencode({"code": code, "next": safe_next(next_path)})


def header_fields(actor: Actor, me: Any) -> dict[str, Any]:
    """The header's public values for an actor and their profile DTO (nothing secret)."""
    roles = set(actor.system_roles)
    if actor.staff is not None:
        roles = {ADMIN, "user"}
    first, last = getattr(me, "first_name", "") or "", getattr(me, "last_name", "") or ""
    company = getattr(me, "company_name", "") or ""
    banner = ""
    if actor.staff is not None:
        mode = "read-only" if actor.read_only else "write"
        banner = f"You are acting for {company or 'this company'} as Ticketflower staff ({mode} access)"
    return {
        "display_name": f"{first} {last}".strip() or actor.email,
        "user_email": getattr(me, "email", "") or actor.email,
        "company_name": company,
        "system_roles": sorted(roles),
        "is_admin": ADMIN in roles,
        "is_ticket_admin": bool(roles & {ADMIN, TICKET_ADMIN}),
        "is_worker": TASK_WORKER in roles,
        "is_designer": bool(roles & {ADMIN, WORKFLOW_CREATOR}),
        "staff_banner": banner,
        "is_staff_console": "staff.console" in (getattr(me, "allowed_actions", None) or []),
    }


class AuthState(rx.State):
    """Base of every logged-in page's state: who is acting comes from the server-side session only."""

    _user_id: int = 0
    _company_id: int = 0
    display_name: rx.Field[str] = rx.field("")
    user_email: rx.Field[str] = rx.field("")
    company_name: rx.Field[str] = rx.field("")
    system_roles: rx.Field[list[str]] = rx.field(default_factory=list)
    is_admin: rx.Field[bool] = rx.field(False)
    is_ticket_admin: rx.Field[bool] = rx.field(False)
    is_worker: rx.Field[bool] = rx.field(False)
    is_designer: rx.Field[bool] = rx.field(False)
    staff_banner: rx.Field[str] = rx.field("")
    is_staff_console: rx.Field[bool] = rx.field(False)
    # Set once a login code is issued; the session_hop component loads it (no eval, so the CSP can forbid it).
    hop_url: rx.Field[str] = rx.field("")
    # The newest toast {id, level, message}; components.notices shows each id once per tab.
    toast_notice: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.event
    def notify(self, level: str, message: str) -> None:
        """Show a toast (see tfai.ui.state.toast)."""
        level = level if level in NOTICE_LEVELS else "info"
        self.toast_notice = {"id": secrets.token_hex(8), "level": level, "message": str(message)[:NOTICE_MAX]}

    @rx.event
    async def forget_tab(self) -> None:
        """Logout's first step: the tab's state back to its defaults (it only ever resets the caller's own tab)."""
        await self._reset_tab()

    async def _start_session_hop(self, code: str, next_path: str | None = None) -> None:
        """Reset the tab, then hand the browser to the session route (rendered by components.session_hop)."""
        await self._reset_tab()
        self.hop_url = session_hop_url(code, next_path)

    async def _reset_tab(self) -> None:
        """Every app state of this tab back to its defaults: nothing of the previous identity (a shown API token, a
        set-password link, the webhook secret, lists) stays in the tab's hydration data across login, logout and
        staff switch. States this event did not load live in Redis: get_state loads each (with its subtree) first."""
        root = self._get_root_state()
        tops = [cls for cls in type(root).get_substates() if cls.__module__.startswith("tfai.")]
        pending = list(tops)
        while pending:
            cls = pending.pop()
            await self.get_state(cls)
            pending.extend(cls.get_substates())
        for cls in tops:
            (await self.get_state(cls)).reset()

    async def _actor(self) -> Actor | None:
        """The actor behind the websocket's Cookie header, or None (re-checked on every call)."""
        cookie = self.router.headers.cookie if self.router is not None else ""
        try:
            actor = await sessions.actor_from_cookie_header(cookie or None)
        except TfaiError:
            actor = None
        if actor is None:
            self._user_id, self._company_id = 0, 0
        else:
            self._user_id, self._company_id = actor.user_id, actor.company_id
        return actor

    def _client_ip(self) -> str:
        """The socket's peer (Reflex's trusted_proxy_hops stays 0), then X-Forwarded-For as the API reads it."""
        if self.router is None:
            return ""
        return client_ip(self.router.session.client_ip, self.router.headers.raw_headers.get("x-forwarded-for"))

    async def _refresh_header(self, actor: Actor) -> None:
        """Copy the header values (names, company, role flags) from the actor's profile."""
        try:
            me = await profile.get_me(actor)
        except TfaiError:
            me = None
        for key, value in header_fields(actor, me).items():
            setattr(self, key, value)
        if actor.staff is not None:  # the banner names the company, the reason and the end of the grant
            try:
                grant = await access.current_grant(actor)
            except TfaiError:
                grant = None
            if grant is not None:
                self.staff_banner = banner_text(grant.company_name, grant.reason, grant.expires_at)

    async def _guard(self) -> Actor | None:
        """The actor with the header refreshed, or None after clearing every public identity value.

        Handlers never call this to decide whether to go on: they use `tfai.ui.state.guard.guarded`."""
        actor = await self._actor()
        if actor is None:
            self.display_name, self.user_email, self.company_name, self.staff_banner = "", "", "", ""
            self.system_roles = []
            self.is_admin = self.is_ticket_admin = self.is_worker = self.is_designer = False
            self.is_staff_console = False
            return None
        await self._refresh_header(actor)
        return actor
