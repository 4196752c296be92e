"""State of a task definition page: type, schemas, transforms, action settings, layouts and a form preview."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.services.definitions import catalog
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import pretty
from tfai.ui.state.form_values import error_message
from tfai.ui.state.schema_form import SchemaFormMixin


def _json(value: Any) -> str:
    return pretty(value) if value is not None else ""


class TaskDefinitionState(SchemaFormMixin, DesignerState):
    wf_key: str = ""
    wf_title: str = ""
    wf_version: int = 0
    item_key: str = ""
    title: str = ""
    description: str = ""
    task_type: str = ""
    action_url: str = ""
    timeout: str = ""
    input_transform: str = ""
    output_transform: str = ""
    input_schema: str = ""
    output_schema: str = ""
    edit_layout: str = ""
    display_layout: str = ""
    incoming: list[dict[str, str]] = []
    outgoing: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    async def load(self) -> Any:
        actor, redirect = await self._designer()
        if actor is None:
            return redirect
        wf_key, task_key = self._query("workflow_key"), self._query("task_key")
        try:
            t = await catalog.get_task_definition(actor, wf_key, task_key)
        except TfaiError as exc:
            self.item_key, self.title, self.error = task_key, "", error_message(exc)
            self._form_setup({}, None)
            return None
        self.error = ""
        self.wf_key, self.wf_title, self.wf_version = t.workflow_key, t.workflow_title, t.workflow_version
        self.item_key, self.title, self.description, self.task_type = t.key, t.title, t.description, t.type
        self.action_url, self.timeout = t.action_url or "", str(t.timeout_seconds or "")
        self.input_transform, self.output_transform = t.input_transform or "", t.output_transform or ""
        self.input_schema, self.output_schema = _json(t.input_schema), _json(t.output_schema)
        self.edit_layout, self.display_layout = _json(t.edit_layout), _json(t.display_layout)
        self.incoming = [{"task": tr.from_task, "condition": tr.condition or "", "priority": str(tr.priority)}
                         for tr in t.incoming]
        self.outgoing = [{"task": tr.to_task or "(end)", "condition": tr.condition or "",
                          "priority": str(tr.priority)} for tr in t.outgoing]
        schema = t.output_schema if t.type == "FORM" else None
        self._form_setup(schema or {"type": "object"}, t.edit_layout)
        return None
