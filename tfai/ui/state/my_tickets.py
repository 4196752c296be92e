"""State of My tickets: Active/Archive tabs, search, one page of the actor's own tickets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from tfai.domain.policy import Actor
from tfai.services.tickets import tracking
from tfai.ui.state.auth import AuthState
from tfai.ui.state.paged_list import PagedListMixin
from tfai.ui.state.work_rows import PAGE_SIZE, ticket_row


class MyTicketsState(PagedListMixin, AuthState):
    """Rows are plain dicts of the visible columns."""

    search: str = ""

    async def _fetch(self, actor: Actor) -> None:
        result = await tracking.list_tickets(actor, scope="mine", state=self.tab, search=self.search,
                                            page=self.page, page_size=PAGE_SIZE, sort="-created")
        self.rows, self.total, self.page = [ticket_row(t) for t in result.items], result.total, result.page

    @rx.event
    async def do_search(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        self.search, self.page = str(form_data.get("search", "")).strip()[:200], 1
        async for step in self._reload():
            yield step
