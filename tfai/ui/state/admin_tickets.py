"""State of the company's tickets (ticket admins, admins): tabs, search, filters, sorting, one page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from tfai.domain.policy import Actor
from tfai.services.tickets import tracking
from tfai.ui.state.admin_filters import filter_choices, filter_defaults, raw_filters
from tfai.ui.state.auth import AuthState
from tfai.ui.state.list_filters import TICKET_SORTS, WORKFLOW_STATUSES, options, parse_filters, status_options
from tfai.ui.state.paged_list import PagedListMixin
from tfai.ui.state.work_rows import PAGE_SIZE, ticket_row

DEFAULTS = filter_defaults("-created")


class AdminTicketsState(PagedListMixin, AuthState):
    """The filter form's raw strings are kept (to refill the form) and parsed again on every fetch."""

    search: str = ""
    filters: dict[str, str] = dict(DEFAULTS)
    filter_errors: dict[str, str] = {}
    filter_key: int = 0
    type_choices: list[dict[str, str]] = []
    worker_choices: list[dict[str, str]] = []
    status_choices: list[dict[str, str]] = status_options(WORKFLOW_STATUSES)
    sort_choices: list[dict[str, str]] = options(TICKET_SORTS)

    async def _fetch(self, actor: Actor) -> None:
        if not self.type_choices:
            self.type_choices, self.worker_choices = await filter_choices(actor)
        f, _ = parse_filters({**self.filters, "search": self.search}, sorts=TICKET_SORTS, default_sort="-created",
                             statuses=WORKFLOW_STATUSES)
        result = await tracking.list_tickets(actor, scope="company", state=self.tab, search=f.search,
                                            ticket_type=f.ticket_type, status=f.status, assignee_id=f.assignee_id,
                                            created_from=f.created_from, created_to=f.created_to, page=self.page,
                                            page_size=PAGE_SIZE, sort=f.sort)
        self.rows, self.total, self.page = [ticket_row(t) for t in result.items], result.total, result.page

    @rx.event
    async def do_search(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        raw = raw_filters(form_data, DEFAULTS)
        search = str(form_data.get("search", "") or "")[:200]
        f, errors = parse_filters({**raw, "search": search}, sorts=TICKET_SORTS, default_sort="-created",
                                  statuses=WORKFLOW_STATUSES)
        self.filter_errors = errors
        if errors:
            return
        self.search, self.filters, self.page = f.search, raw, 1
        async for step in self._reload():
            yield step

    @rx.event
    async def clear_filters(self) -> AsyncIterator[Any]:
        self.search, self.filters, self.filter_errors, self.page = "", dict(DEFAULTS), {}, 1
        self.filter_key += 1
        async for step in self._reload():
            yield step
