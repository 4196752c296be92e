"""State of a ticket type page: the requester's form (preview), allowed company roles, the workflow it starts."""

from __future__ import annotations

from typing import Any, ClassVar

from tfai.domain.policy import Actor
from tfai.services.definitions import catalog
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import pretty
from tfai.ui.state.definitions_page import DefinitionPageMixin
from tfai.ui.state.schema_form import SchemaFormMixin


class TicketTypeDetailState(DefinitionPageMixin, SchemaFormMixin, DesignerState):
    key_arg: ClassVar[str] = "ticket_type_key"
    wf_key: str = ""
    wf_title: str = ""
    roles: list[str] = []
    section_json: str = ""

    async def _fetch(self, actor: Actor, key: str, version: int | None) -> Any:
        return await catalog.get_ticket_type(actor, key, version)

    def _clear(self) -> None:
        self._form_setup({}, None)

    def _display(self, tt: Any) -> None:
        self._display_versions(tt)
        self.wf_key, self.wf_title = tt.workflow_key, tt.workflow_title or ""
        self.roles = list(tt.company_role_access)
        self.section_json = pretty(tt.section)
        self._form_setup(tt.fields, tt.edit_layout)
