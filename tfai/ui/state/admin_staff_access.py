"""State of the Staff access page: the company's grants, what was done under one, and the write-access switch."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain import policy
from tfai.domain.errors import TfaiError
from tfai.domain.policy import Action, Actor
from tfai.services.staff import access, history
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import STAFF_ACCESS, guarded
from tfai.ui.state.staff_helpers import audit_row, grant_row

PAGE_SIZE = 20


class AdminStaffAccessState(AuthState):
    """One page of grants as plain rows; the open grant's activity is fetched again on every click."""

    grants: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    activity: list[dict[str, Any]] = []
    activity_grant: str = ""
    write_allowed: bool = True
    can_change: bool = False
    error: str = ""
    notice: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)

    async def _refresh(self, actor: Actor) -> None:
        try:
            result = await history.list_grants(actor, page=self.page, page_size=PAGE_SIZE)
            settings = await access.staff_access_settings(actor)
        except TfaiError as exc:
            self.grants, self.total, self.error = [], 0, error_message(exc)
            return
        self.grants, self.total, self.page = [grant_row(g) for g in result.items], result.total, result.page
        self.write_allowed = settings.staff_write_allowed
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
            self.error = error_message(exc)
        else:
            self.notice = ("Ticketflower staff may now get read-write access." if allowed else
                           "Staff write access is disabled; live read-write grants have ended.")
        await self._refresh(actor)
        return None
