"""State of My tasks: the worker's own tasks, oldest first, one page at a time, and their availability."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.accounts import profile
from tfai.services.tasks import work
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded
from tfai.ui.state.paged_list import PagedListMixin
from tfai.ui.state.work_rows import PAGE_SIZE, task_row

DONE_NOTE = "Task completed. Nothing else is waiting for you right now."


class MyTasksState(PagedListMixin, AuthState):
    """Rows are plain dicts; availability is re-read from the actor's profile on every load."""

    available: bool = True

    async def _fetch(self, actor: Actor) -> None:
        if self.router is not None and self.router.url.query_parameters.get("done") and self.page == 1:
            self.notice = DONE_NOTE
        me = await profile.get_me(actor)
        self.available = bool(me.available)
        result = await work.list_tasks(actor, scope="mine", state=self.tab, page=self.page, page_size=PAGE_SIZE,
                                        sort="created" if self.tab == "active" else "-completed")
        self.rows, self.total, self.page = [task_row(t) for t in result.items], result.total, result.page

    @rx.event
    @guarded()
    async def set_available(self, actor: Actor, value: bool) -> Any:
        try:
            await work.set_availability(actor, available=bool(value))
            await self._fetch(actor)
        except TfaiError as exc:
            self.list_error = error_message(exc)
            return None
        self.list_error = ""
        self.notice = ("You are available: new tasks come to you." if value
                       else "You are away: new tasks go to colleagues, and your open tasks move to them.")
        return None
