"""State mixin for a server-paginated list with Active/Archive tabs: only one page of rows is ever held."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded
from tfai.ui.state.work_rows import PAGE_SIZE, clamp_page, page_count

TABS = ("active", "archived")


class PagedListMixin(rx.State, mixin=True):
    """Subclasses (also AuthState) implement `_fetch(actor)`: set `rows` and `total` for `page` and `tab`."""

    rows: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    tab: str = "active"
    loading: bool = False
    loaded: bool = False
    list_error: str = ""
    notice: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    async def _fetch(self, actor: Actor) -> None:
        raise NotImplementedError

    @guarded()
    async def _reload(self, actor: Actor) -> AsyncIterator[Any]:
        """Show the spinner, fetch one page, show the rows or the error."""
        self.loading = True
        yield
        try:
            await self._fetch(actor)
            self.list_error = ""
        except TfaiError as exc:
            self.rows, self.total, self.list_error = [], 0, error_message(exc)
        finally:
            self.loading, self.loaded = False, True

    @rx.event
    async def load(self) -> AsyncIterator[Any]:
        self.page, self.loaded, self.notice = 1, False, ""
        async for step in self._reload():
            yield step

    @rx.event
    async def set_tab(self, tab: str) -> AsyncIterator[Any]:
        self.tab, self.page, self.notice = (tab if tab in TABS else "active"), 1, ""
        async for step in self._reload():
            yield step

    @rx.event
    async def go_page(self, delta: int) -> AsyncIterator[Any]:
        self.page = clamp_page(self.page + int(delta), self.total, PAGE_SIZE)
        async for step in self._reload():
            yield step
