"""States of the three definition lists (workflows, task definitions, ticket types): search and SQL pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.definitions import catalog
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import page_count
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import DESIGNER, guarded

PAGE_SIZE = 20


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else ""


def version_rows(versions: Iterable[Any]) -> list[dict[str, str]]:
    """A definition's versions as the version tables show them: number, when and by whom."""
    return [{"version": str(v.version), "created": when(v.created_at), "by": v.created_by_email or ""}
            for v in versions]


class _ListMixin(rx.State, mixin=True):
    """rows of the current page (plain dicts), the search text and the page number."""

    rows: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    search: str = ""
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    async def _fetch(self, actor: Actor) -> tuple[list[dict[str, Any]], int, int]:
        raise NotImplementedError

    @guarded(DESIGNER)
    async def _reload(self, actor: Actor) -> Any:
        try:
            self.rows, self.total, self.page = await self._fetch(actor)
            self.error = ""
        except TfaiError as exc:
            self.rows, self.total, self.error = [], 0, error_message(exc)
        return None

    @rx.event
    async def load(self) -> Any:
        me: Any = self
        self.search, self.page = me._query("q"), 1
        return await self._reload()

    @rx.event
    async def do_search(self, form_data: dict[str, Any]) -> Any:
        self.search, self.page = str(form_data.get("search", ""))[:200], 1
        return await self._reload()

    @rx.event
    async def go_page(self, delta: int) -> Any:
        self.page = min(max(1, self.page + int(delta)), page_count(self.total, PAGE_SIZE))
        return await self._reload()


class WorkflowListState(_ListMixin, DesignerState):
    async def _fetch(self, actor: Actor) -> tuple[list[dict[str, Any]], int, int]:
        res = await catalog.list_workflows(actor, search=self.search, page=self.page, page_size=PAGE_SIZE)
        rows = [{"key": w.key, "title": w.title, "version": str(w.version), "updated": when(w.updated_at),
                 "by": w.updated_by_email or "", "tasks": str(w.task_count), "ticket_types": list(w.ticket_type_keys)}
                for w in res.items]
        return rows, res.total, res.page


class TaskListState(_ListMixin, DesignerState):
    async def _fetch(self, actor: Actor) -> tuple[list[dict[str, Any]], int, int]:
        res = await catalog.list_task_definitions(actor, search=self.search, page=self.page,
                                                      page_size=PAGE_SIZE)
        rows = [{"workflow_key": t.workflow_key, "workflow_title": t.workflow_title,
                 "version": str(t.workflow_version), "key": t.key, "title": t.title, "type": t.type}
                for t in res.items]
        return rows, res.total, res.page


class TicketTypeListState(_ListMixin, DesignerState):
    async def _fetch(self, actor: Actor) -> tuple[list[dict[str, Any]], int, int]:
        res = await catalog.list_ticket_types(actor, search=self.search, page=self.page, page_size=PAGE_SIZE)
        rows = [{"key": t.key, "title": t.title, "version": str(t.version), "workflow_key": t.workflow_key,
                 "updated": when(t.updated_at), "by": t.updated_by_email or ""} for t in res.items]
        return rows, res.total, res.page
