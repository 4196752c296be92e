"""State of the Staff access page: the company's grants (approve or deny those that wait), what was done under one,
the read-access setting and the write-access switch."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain import policy
from tfai.domain.errors import TfaiError
from tfai.domain.policy import Action, Actor
from tfai.services.staff import access, approval, history
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import STAFF_ACCESS, guarded
from tfai.ui.state.staff_helpers import audit_row, grant_row

PAGE_SIZE = 20
# What each of the company's staff read-access settings means (the values are approval.READ_ACCESS).
READ_ACCESS_CHOICES: list[dict[str, str]] = [
    {"value": "allowed", "label": "Allowed",
     "help": "Ticketflower staff start a time-limited grant themselves, with a reason you see here."},
    {"value": "approval", "label": "Needs approval",
     "help": "Each grant waits until one of your admins approves it; its time starts then."},
    {"value": "disabled", "label": "Disabled",
     "help": "Staff cannot enter your company at all; turning this on ends live and waiting grants at once."},
]
READ_ACCESS_NOTICES = {"allowed": "Ticketflower staff may start grants themselves again.",
                       "approval": "From now on each staff grant waits for an admin's approval.",
                       "disabled": "Staff access is disabled; live and waiting grants have ended."}


class AdminStaffAccessState(AuthState):
    """One page of grants as plain rows; the open grant's activity is fetched again on every click."""

    grants: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    activity: list[dict[str, Any]] = []
    activity_grant: str = ""
    write_allowed: bool = True
    read_access: str = "allowed"
    read_access_choices: list[dict[str, str]] = READ_ACCESS_CHOICES
    can_change: bool = False
    error: str = ""
    notice: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)

    @rx.var
    def pending(self) -> list[dict[str, Any]]:
        """The shown grants that wait for an admin (newest first, so they are on the first page)."""
        return [g for g in self.grants if g["status"] == "pending"]

    async def _refresh(self, actor: Actor) -> None:
        try:
            result = await history.list_grants(actor, page=self.page, page_size=PAGE_SIZE)
            settings = await access.staff_access_settings(actor)
        except TfaiError as exc:
            self.grants, self.total, self.error = [], 0, error_message(exc)
            return
        self.grants, self.total, self.page = [grant_row(g) for g in result.items], result.total, result.page
        self.write_allowed, self.read_access = settings.staff_write_allowed, settings.staff_read_access
        self.can_change = actor.staff is None and policy.allowed(actor, Action.COMPANY_SETTINGS)
        self.error = ""

    @rx.event
    @guarded(STAFF_ACCESS)
    async def load(self, actor: Actor) -> Any:
        self.page, self.notice, self.activity, self.activity_grant = 1, "", [], ""
        await self._refresh(actor)
        return None

    @rx.event
    @guarded(STAFF_ACCESS)
    async def go_page(self, actor: Actor, delta: int) -> Any:
        self.page = min(max(1, self.page + int(delta)), self.page_count)
        await self._refresh(actor)
        return None

    @rx.event
    @guarded(STAFF_ACCESS)
    async def show_activity(self, actor: Actor, grant_id: str) -> Any:
        if not str(grant_id).isdigit():
            return None
        try:
            entries = await history.grant_activity(actor, int(grant_id))
        except TfaiError as exc:
            self.error = error_message(exc)
            return None
        self.activity, self.activity_grant, self.error = [audit_row(a) for a in entries], str(grant_id), ""
        return None

    @rx.event
    @guarded(STAFF_ACCESS)
    async def set_write_allowed(self, actor: Actor, allowed: bool) -> Any:
        try:
            await access.set_staff_write_allowed(actor, bool(allowed))
        except TfaiError as exc:
            return await self._refused(actor, exc)
        self.notice = ("Ticketflower staff may now get read-write access." if allowed else
                       "Staff write access is disabled; live read-write grants have ended.")
        await self._refresh(actor)
        return None

    async def _refused(self, actor: Actor, exc: TfaiError) -> None:
        """Show the page as it is now, with the refusal (a refresh alone would clear the message)."""
        await self._refresh(actor)
        self.error, self.notice = error_message(exc), ""

    @rx.event
    @guarded(STAFF_ACCESS)
    async def set_read_access(self, actor: Actor, value: str) -> Any:
        choice = str(value)
        try:
            await approval.set_staff_read_access(actor, choice)
        except TfaiError as exc:
            return await self._refused(actor, exc)
        self.notice = READ_ACCESS_NOTICES.get(choice, "")
        await self._refresh(actor)
        return None

    @rx.event
    @guarded(STAFF_ACCESS)
    async def decide(self, actor: Actor, grant_id: str, approve: bool) -> Any:
        """Approve or deny a waiting grant; the service re-checks that it is this company's and still waits."""
        if not str(grant_id).isdigit():
            return None
        try:
            grant = await approval.decide_grant(actor, int(grant_id), approve=bool(approve))
        except TfaiError as exc:
            return await self._refused(actor, exc)
        self.notice = (f"{grant.staff_email} may now enter, until {grant_row(grant)['until']}." if approve
                       else f"The grant of {grant.staff_email} is denied.")
        await self._refresh(actor)
        return None
