"""State of the company's tasks (ticket admins, admins): tabs, filters, sorting, one page at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from tfai.domain.policy import Actor
from tfai.services.tasks import work
from tfai.ui.state.admin_filters import filter_choices, filter_defaults, raw_filters
from tfai.ui.state.auth import AuthState
from tfai.ui.state.detail_helpers import service_error
from tfai.ui.state.guard import guarded
from tfai.ui.state.list_filters import TASK_SORTS, TASK_STATUSES, options, parse_filters, status_options
from tfai.ui.state.paged_list import PagedListMixin
from tfai.ui.state.work_rows import PAGE_SIZE, task_row, waits_for_worker

DEFAULTS = filter_defaults("created")


def admin_task_row(t: Any) -> dict[str, str]:
    """A row of the company's tasks, marked when it waits because no available worker could take it."""
    return {**task_row(t), "waiting": "1" if waits_for_worker(t) else ""}


class AdminTasksState(PagedListMixin, AuthState):
    """The filter form's raw strings are kept (to refill the form) and parsed again on every fetch."""

    filters: dict[str, str] = dict(DEFAULTS)
    filter_errors: dict[str, str] = {}
    filter_key: int = 0
    type_choices: list[dict[str, str]] = []
    worker_choices: list[dict[str, str]] = []
    status_choices: list[dict[str, str]] = status_options(TASK_STATUSES)
    sort_choices: list[dict[str, str]] = options(TASK_SORTS)

    async def _fetch(self, actor: Actor) -> None:
        if not self.type_choices:
            self.type_choices, self.worker_choices = await filter_choices(actor)
        f, _ = parse_filters(self.filters, sorts=TASK_SORTS, default_sort="created", statuses=TASK_STATUSES)
        result = await work.list_tasks(actor, scope="company", state=self.tab, status=f.status,
                                        assignee_id=f.assignee_id, ticket_type=f.ticket_type,
                                        created_from=f.created_from, created_to=f.created_to, page=self.page,
                                        page_size=PAGE_SIZE, sort=f.sort)
        self.rows, self.total, self.page = [admin_task_row(t) for t in result.items], result.total, result.page

    @rx.event
    async def apply_filters(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        raw = raw_filters(form_data, DEFAULTS)
        _, errors = parse_filters(raw, sorts=TASK_SORTS, default_sort="created", statuses=TASK_STATUSES)
        self.filter_errors = errors
        if errors:
            return
        self.filters, self.page = raw, 1
        async for step in self._reload():
            yield step

    @rx.event
    async def clear_filters(self) -> AsyncIterator[Any]:
        self.filters, self.filter_errors, self.page = dict(DEFAULTS), {}, 1
        self.filter_key += 1
        async for step in self._reload():
            yield step

    @rx.event
    @guarded()
    async def take(self, actor: Actor, task_id: str) -> AsyncIterator[Any]:
        """Assign a waiting form to myself (a ticket admin or admin who is a task worker; the service checks)."""
        if not task_id.isdigit() or len(task_id) > 18:
            return
        self.list_error = await service_error(lambda: work.reassign_task(actor, int(task_id), user_id=actor.user_id))
        if self.list_error:
            self.notice = ""
            return
        self.notice = "The task is assigned to you."
        async for step in self._reload():
            yield step
