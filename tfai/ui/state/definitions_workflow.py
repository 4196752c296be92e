"""State of the workflow page: one version's metadata, tasks, transitions, diagram, versions and diffs."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.definitions import catalog
from tfai.ui.components.diagram import diagram_src
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import diff_rows
from tfai.ui.state.definitions_lists import when
from tfai.ui.state.definitions_page import DefinitionPageMixin
from tfai.ui.state.flow_rows import flow_summary
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import DESIGNER, guarded


class WorkflowDetailState(DefinitionPageMixin, DesignerState):
    key_arg: ClassVar[str] = "workflow_key"
    start: str = ""
    created: str = ""
    created_by: str = ""
    wf_fields: list[dict[str, str]] = []
    tasks: list[dict[str, str]] = []
    transitions: list[dict[str, str]] = []
    version_options: list[str] = []
    ticket_types: list[dict[str, str]] = []
    diagram: str = ""
    diff_a: str = ""
    diff_b: str = ""
    diff_lines: list[dict[str, str]] = []
    diff_note: str = ""

    async def _fetch(self, actor: Actor, key: str, version: int | None) -> Any:
        return await catalog.get_workflow(actor, key, version)

    def _clear(self) -> None:
        self.tasks, self.diagram, self.diff_lines, self.diff_note = [], "", [], ""

    def _display(self, wf: Any) -> None:
        self._display_versions(wf)
        self.start = wf.start_task_key
        self.created, self.created_by = when(wf.created_at), wf.created_by_email or ""
        self.wf_fields = [{"name": str(f.get("name", "")), "type": str(f.get("type", "")),
                           "description": str(f.get("description") or "")} for f in wf.fields]
        listed = (wf.bundle or {}).get("tasks") or []
        flows = {t.get("key"): flow_summary(t) for t in listed if isinstance(t, dict)}
        self.tasks = [{"key": t.key, "title": t.title, "type": t.type, "description": t.description or "",
                       "flow": flows.get(t.key, "")} for t in wf.tasks]
        self.transitions = [{"from": t.from_task, "to": t.to_task or "(end)", "condition": t.condition or "",
                             "priority": str(t.priority)} for t in wf.transitions]
        self.version_options = [v["version"] for v in self.versions]
        self.ticket_types = [{"key": t.key, "title": t.title, "version": str(t.version)} for t in wf.ticket_types]
        self.diagram = diagram_src(wf.bundle)
        older = [v for v in self.version_options if v != str(wf.version)]
        self.diff_a, self.diff_b = (older[0] if older else str(wf.version)), str(wf.version)
        self.diff_lines, self.diff_note = [], ""

    @guarded(DESIGNER)
    async def _diff(self, actor: Actor) -> Any:
        if not (self.diff_a.isdigit() and self.diff_b.isdigit()):
            return None
        try:
            lines = await catalog.diff_versions(actor, self.item_key, int(self.diff_a), int(self.diff_b))
        except TfaiError as exc:
            self.diff_lines, self.diff_note = [], error_message(exc)
            return None
        self.diff_lines = diff_rows(lines)
        self.diff_note = "" if lines else f"v{self.diff_a} and v{self.diff_b} are the same."
        return None

    @rx.event
    async def set_diff_a(self, value: str) -> Any:
        self.diff_a = str(value)[:10]
        return await self._diff()

    @rx.event
    async def set_diff_b(self, value: str) -> Any:
        self.diff_b = str(value)[:10]
        return await self._diff()

    @rx.event
    async def show_diff(self) -> Any:
        return await self._diff()
