"""State of the staff console: companies with counts and platform totals; the Switch dialog starts a grant, which
is entered at once or, where the company approves each grant, waits; "Your grants" lists the staff member's own grants
in every company with their status, and offers Enter for an approved live one."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.limits import STAFF_GRANT_DEFAULT_MINUTES, STAFF_GRANT_MAX_MINUTES
from tfai.domain.policy import Actor
from tfai.services.staff import access, mine
from tfai.services.staff.dto import GrantDTO
from tfai.ui.state.auth import HOME_ROUTE, AuthState
from tfai.ui.state.form_values import error_message, field_errors
from tfai.ui.state.guard import STAFF_CONSOLE, guarded
from tfai.ui.state.staff_helpers import company_row, own_grant_row, parse_minutes
from tfai.ui.state.work_rows import clamp_page, page_count

GRANTS_PAGE_SIZE = 10


class StaffConsoleState(AuthState):
    """Plain rows of companies (counts only); the chosen company's id is re-checked by the service."""

    companies: list[dict[str, Any]] = []
    totals: dict[str, int] = {}
    search: str = ""
    error: str = ""
    loaded: bool = False
    switch_open: bool = False
    switch_id: str = ""
    switch_name: str = ""
    switch_write_allowed: bool = False
    switch_errors: dict[str, str] = {}
    switch_error: str = ""
    switch_key: int = 0
    busy: bool = False
    # One page of the staff member's own grants (every company, newest first), read from the database.
    grants: list[dict[str, Any]] = []
    grants_total: int = 0
    grants_page: int = 1
    grants_error: str = ""
    notice: str = ""
    default_minutes: int = STAFF_GRANT_DEFAULT_MINUTES
    max_minutes: int = STAFF_GRANT_MAX_MINUTES

    async def _refresh(self, actor: Any) -> None:
        try:
            result = await access.console(actor, search=self.search)
        except TfaiError as exc:
            self.companies, self.totals, self.error = [], {}, error_message(exc)
        else:
            self.companies = [company_row(c) for c in result.companies]
            self.totals = result.totals.model_dump()
            self.error = ""
        self.loaded = True

    @rx.var
    def grants_pages(self) -> int:
        return page_count(self.grants_total, GRANTS_PAGE_SIZE)

    async def _refresh_grants(self, actor: Any) -> None:
        try:
            page = await mine.list_my_grants(actor, page=self.grants_page, page_size=GRANTS_PAGE_SIZE)
        except TfaiError as exc:
            self.grants, self.grants_total, self.grants_error = [], 0, error_message(exc)
            return
        self.grants, self.grants_total, self.grants_error = [own_grant_row(g) for g in page.items], page.total, ""

    @rx.event
    @guarded(STAFF_CONSOLE)
    async def load(self, actor: Actor) -> Any:
        self.switch_open, self.loaded, self.notice, self.grants_page = False, False, "", 1
        await self._refresh(actor)
        await self._refresh_grants(actor)
        return None

    @rx.event
    @guarded(STAFF_CONSOLE)
    async def refresh_grants(self, actor: Actor) -> Any:
        """Read the grants again (has the company approved yet?)."""
        await self._refresh_grants(actor)
        return None

    @rx.event
    @guarded(STAFF_CONSOLE)
    async def grants_to_page(self, actor: Actor, page: int) -> Any:
        self.grants_page = clamp_page(int(page), self.grants_total, GRANTS_PAGE_SIZE)
        await self._refresh_grants(actor)
        return None

    @rx.event
    @guarded(STAFF_CONSOLE)
    async def do_search(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        self.search = str(form_data.get("search", "") or "").strip()[:200]
        await self._refresh(actor)
        return None

    @rx.event
    def open_switch(self, company_id: str) -> None:
        row = next((c for c in self.companies if c["id"] == str(company_id)), None)
        if row is None:
            return
        self.switch_id, self.switch_name = row["id"], row["name"]
        self.switch_write_allowed = bool(row["write_allowed"])
        self.switch_errors, self.switch_error = {}, ""
        self.switch_key += 1
        self.switch_open = True

    @rx.event
    def set_switch_open(self, value: bool) -> None:
        self.switch_open = bool(value)

    @rx.event
    @guarded(STAFF_CONSOLE)
    async def start_switch(self, actor: Actor, form_data: FormData) -> Any:
        """Create the grant, then a one-time code; the session route rotates the session into the company."""
        reason = str(form_data.get("reason", "") or "")[:600]
        mode = str(form_data.get("mode", "") or "read")
        minutes = parse_minutes(form_data.get("minutes"))
        if minutes is None:
            self.switch_errors, self.switch_error = {"minutes": "Enter a whole number of minutes"}, ""
            return None
        if not self.switch_id.isdigit():
            self.switch_error = "Choose a company."
            return None
        self.busy = True
        try:
            grant = await access.start_grant(actor, company_id=int(self.switch_id), reason=reason, mode=mode,
                                            minutes=minutes)
            if grant.status == "pending":
                await self._waiting(actor, grant)
                return None
            code = await access.switch_code(actor, grant_id=grant.grant_id)
        except TfaiError as exc:
            self.switch_errors = field_errors(exc)
            self.switch_error = "" if self.switch_errors else error_message(exc)
            return None
        finally:
            self.busy = False
        self.switch_open = False
        await self._start_session_hop(code, HOME_ROUTE)
        return None

    async def _waiting(self, actor: Actor, grant: GrantDTO) -> None:
        """The new grant waits for the company: show it first in the grants and say what happens next."""
        self.switch_open, self.grants_page = False, 1
        await self._refresh_grants(actor)
        self.notice = (f"{grant.company_name} approves each staff grant: your request waits for one of its admins. "
                       "Refresh Your grants to see when it is approved, then Enter it.")

    @rx.event
    @guarded(STAFF_CONSOLE)
    async def enter_grant(self, actor: Actor, grant_id: str) -> Any:
        """Switch into one of the staff member's grants. The service checks it is theirs and approved and live, and
        says why not (waiting, refused, over), so no bare refusal reaches the browser."""
        if not str(grant_id).isdigit():
            return None
        self.notice = ""
        try:
            code = await access.switch_code(actor, grant_id=int(grant_id))
        except TfaiError as exc:
            self.error = error_message(exc)
            await self._refresh_grants(actor)  # the status shown may be stale: show what it is now
            return None
        self.error = ""
        await self._start_session_hop(code, HOME_ROUTE)
        return None
