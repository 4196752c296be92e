"""State of a task definition page: type, schemas, transforms, action settings, layouts and a form preview."""

from __future__ import annotations

from typing import Any, ClassVar

from tfai.domain.policy import Actor
from tfai.services.definitions import catalog
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import pretty
from tfai.ui.state.definitions_page import DefinitionPageMixin
from tfai.ui.state.flow_rows import flow_rows
from tfai.ui.state.schema_form import SchemaFormMixin


def _json(value: Any) -> str:
    return pretty(value) if value is not None else ""


class TaskDefinitionState(DefinitionPageMixin, SchemaFormMixin, DesignerState):
    """A task of one workflow version (`version` is the workflow's): the route names the workflow and the task."""

    key_arg: ClassVar[str] = "task_key"
    wf_key: str = ""
    wf_title: str = ""
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
    flow: list[dict[str, str]] = []  # next, join, timers, timeout, reminders, due, for-each, call (flow_rows)

    async def _fetch(self, actor: Actor, key: str, version: int | None) -> Any:
        return await catalog.get_task_definition(actor, self._query("workflow_key"), key)

    def _clear(self) -> None:
        self._form_setup({}, None)

    def _display(self, t: Any) -> None:
        self.wf_key, self.wf_title, self.version = t.workflow_key, t.workflow_title, t.workflow_version
        self.task_type = t.type
        self.action_url, self.timeout = t.action_url or "", str(t.timeout_seconds or "")
        self.input_transform, self.output_transform = t.input_transform or "", t.output_transform or ""
        self.input_schema, self.output_schema = _json(t.input_schema), _json(t.output_schema)
        self.edit_layout, self.display_layout = _json(t.edit_layout), _json(t.display_layout)
        self.incoming = [{"task": tr.from_task, "condition": tr.condition or "", "priority": str(tr.priority)}
                         for tr in t.incoming]
        self.outgoing = [{"task": tr.to_task or "(end)", "condition": tr.condition or "",
                          "priority": str(tr.priority)} for tr in t.outgoing]
        self.flow = flow_rows(t.flow)
        schema = t.output_schema if t.type == "FORM" else None
        self._form_setup(schema or {"type": "object"}, t.edit_layout)
