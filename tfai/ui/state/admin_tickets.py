"""State of the company's tickets (ticket admins, admins): tabs, search, type filter, sorting, one page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services import tickets
from tfai.ui.state.auth import AuthState
from tfai.ui.state.list_filters import ANY, TICKET_SORTS, options, parse_filters
from tfai.ui.state.paged_list import PagedListMixin
from tfai.ui.state.work_rows import PAGE_SIZE, ticket_row


async def type_options(actor: Actor) -> list[dict[str, str]]:
    """'Any type' plus the ticket types the actor can see as submittable (value = key)."""
    try:
        found = await tickets.submittable_types(actor)
    except TfaiError:
        found = []
    return [{"value": ANY, "label": "Any type"}, *({"value": t.key, "label": t.title} for t in found)]


class AdminTicketsState(PagedListMixin, AuthState):
    """The filter form's raw strings are kept (to refill the form) and parsed again on every fetch."""

    search: str = ""
    filters: dict[str, str] = {"ticket_type": ANY, "sort": "-created"}
    filter_errors: dict[str, str] = {}
    type_choices: list[dict[str, str]] = []
    sort_choices: list[dict[str, str]] = options(TICKET_SORTS)

    async def _fetch(self, actor: Actor) -> None:
        if not self.type_choices:
            self.type_choices = await type_options(actor)
        f, _ = parse_filters({**self.filters, "search": self.search}, sorts=TICKET_SORTS, default_sort="-created")
        result = await tickets.list_tickets(actor, scope="company", state=self.tab, search=f.search,
                                            ticket_type=f.ticket_type, page=self.page, page_size=PAGE_SIZE,
                                            sort=f.sort)
        self.rows, self.total, self.page = [ticket_row(t) for t in result.items], result.total, result.page

    @rx.event
    async def do_search(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        raw = {k: str(form_data.get(k, ""))[:200] for k in ("search", "ticket_type", "sort")}
        f, errors = parse_filters(raw, sorts=TICKET_SORTS, default_sort="-created")
        self.filter_errors = errors
        if errors:
            return
        self.search, self.page = f.search, 1
        self.filters = {"ticket_type": f.ticket_type or ANY, "sort": f.sort}
        async for step in self._reload():
            yield step
