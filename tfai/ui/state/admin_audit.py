"""State of the audit log page: the company's audit entries, filtered by entity and actor, one page at a time."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.staff import history
from tfai.ui.state.admin_staff_access import AdminStaffAccessState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import STAFF_ACCESS, guarded
from tfai.ui.state.staff_helpers import audit_row, parse_actor_filter

PAGE_SIZE = 50


class AdminAuditState(AdminStaffAccessState):
    """Filters are plain strings; the service checks them again (entity ≤ 64 chars, actor a user id)."""

    entries: list[dict[str, Any]] = []
    audit_total: int = 0
    audit_page: int = 1
    entity: str = ""
    actor_filter: str = ""
    filter_error: str = ""
    audit_error: str = ""

    @rx.var
    def audit_page_count(self) -> int:
        return max(1, (self.audit_total + PAGE_SIZE - 1) // PAGE_SIZE)

    async def _fetch(self, actor: Actor) -> None:
        actor_id, problem = parse_actor_filter(self.actor_filter)
        self.filter_error = problem
        if problem:
            return
        try:
            result = await history.list_audit(actor, entity=self.entity or None, actor_id=actor_id,
                                            page=self.audit_page, page_size=PAGE_SIZE)
        except TfaiError as exc:
            self.entries, self.audit_total, self.audit_error = [], 0, error_message(exc)
            return
        self.entries, self.audit_total = [audit_row(a) for a in result.items], result.total
        self.audit_page, self.audit_error = result.page, ""

    @rx.event
    @guarded(STAFF_ACCESS)
    async def load_audit(self, actor: Actor) -> Any:
        self.audit_page = 1
        params = self.router.url.query_parameters if self.router is not None else {}
        self.entity = str(params.get("entity", "") or "")[:64]
        self.actor_filter = str(params.get("actor", "") or "")[:20]
        await self._fetch(actor)
        return None

    @rx.event
    @guarded(STAFF_ACCESS)
    async def apply_filters(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        self.entity = str(form_data.get("entity", "") or "").strip()[:64]
        self.actor_filter = str(form_data.get("actor", "") or "").strip()[:20]
        self.audit_page = 1
        await self._fetch(actor)
        return None

    @rx.event
    @guarded(STAFF_ACCESS)
    async def go_audit_page(self, actor: Actor, delta: int) -> Any:
        self.audit_page = min(max(1, self.audit_page + int(delta)), self.audit_page_count)
        await self._fetch(actor)
        return None
