"""State of a ticket type page: the requester's form (preview), allowed company roles, the workflow it starts."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.services.definitions import catalog
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import pretty
from tfai.ui.state.definitions_lists import version_rows
from tfai.ui.state.form_values import error_message
from tfai.ui.state.schema_form import SchemaFormMixin


class TicketTypeDetailState(SchemaFormMixin, DesignerState):
    item_key: str = ""
    version: int = 0
    newest_version: int = 0
    title: str = ""
    description: str = ""
    wf_key: str = ""
    wf_title: str = ""
    roles: list[str] = []
    versions: list[dict[str, str]] = []
    section_json: str = ""
    error: str = ""

    @rx.event
    async def load(self) -> Any:
        actor, redirect = await self._designer()
        if actor is None:
            return redirect
        key, raw = self._query("ticket_type_key"), self._query("version")
        try:
            tt = await catalog.get_ticket_type(actor, key, int(raw) if raw.isdigit() else None)
        except TfaiError as exc:
            self.item_key, self.title, self.error = key, "", error_message(exc)
            self._form_setup({}, None)
            return None
        self.error = ""
        self.item_key, self.version, self.newest_version = tt.key, tt.version, tt.newest_version
        self.title, self.description = tt.title, tt.description
        self.wf_key, self.wf_title = tt.workflow_key, tt.workflow_title or ""
        self.roles = list(tt.company_role_access)
        self.versions = version_rows(tt.versions)
        self.section_json = pretty(tt.section)
        self._form_setup(tt.fields, tt.edit_layout)
        return None
