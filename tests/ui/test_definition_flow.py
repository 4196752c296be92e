"""The definition pages show a task's flow properties read-only: rows on the task page, a column on the workflow's."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

from tfai.ui.state.definitions_task import TaskDefinitionState
from tfai.ui.state.definitions_workflow import WorkflowDetailState
from tfai.ui.state.flow_rows import flow_rows, flow_summary

FLOW: dict[str, Any] = {
    "next": "all", "join": {"wait_for": 2, "cancel_rest": True}, "wait": "P3D", "until": "timestamp(ticket.at)",
    "timeout": {"after": "PT48H", "to": "escalate"}, "remind": {"every": "P1D", "times": 2}, "due": "P2D",
    "for_each": "ticket.items", "complete_when": 3, "workflow": "ordering", "version": 4, "input": "{'a': 1}",
}


def test_every_flow_property_gets_a_row_in_words() -> None:
    rows = {r["label"]: r["value"] for r in flow_rows(FLOW)}
    assert rows == {
        "Next": "all: every true transition starts a parallel branch",
        "Join": "waits for the first 2 branches; the branches still running are then cancelled",
        "Timer": "completes P3D after it starts",
        "Timer until": "timestamp(ticket.at)",
        "Timeout": "after PT48H the task is cancelled and continues at escalate",
        "Reminders": "every P1D, at most 2 times",
        "Due": "P2D after it starts",
        "For each": "ticket.items",
        "Complete when": "3 instances completed",
        "Calls": "ordering (v4)",
        "Call input": "{'a': 1}",
    }


def test_defaults_read_as_the_issue_defines_them() -> None:
    rows = {r["label"]: r["value"] for r in flow_rows({"join": {}, "for_each": "x", "workflow": "w"})}
    assert rows["Join"] == "waits for every live branch arriving here"
    assert rows["Complete when"] == "all instances completed"
    assert rows["Calls"] == "w (latest version)"
    assert flow_rows({"next": "first"}) == [] and flow_rows({}) == []


def test_the_summary_is_short_and_plain_tasks_have_none() -> None:
    task = {"key": "legal", "type": "FORM", "next": "all", "timeout": {"after": "PT48H", "to": "escalate"},
            "remind": {"every": "P1D", "times": 2}, "join": None}
    assert flow_summary(task) == "parallel split · timeout PT48H → escalate · remind P1D ×2"
    assert flow_summary({"key": "j", "type": "JOIN", "join": {"wait_for": 2, "cancel_rest": True}}) == \
        "join: 2, cancel rest"
    assert flow_summary({"key": "a", "type": "FORM"}) == "" and flow_summary("junk") == ""


class _Page(SimpleNamespace):
    def _form_setup(self, schema: Any, layout: Any) -> None:
        self.form = (schema, layout)

    def _display_versions(self, wf: Any) -> None:
        self.versions = [{"version": str(wf.version)}]


def test_the_task_page_state_turns_the_dto_s_flow_into_rows() -> None:
    page = _Page()
    dto = SimpleNamespace(workflow_key="buy", workflow_title="Buy", workflow_version=2, type="JOIN", action_url=None,
                          timeout_seconds=None, input_transform=None, output_transform=None, input_schema=None,
                          output_schema=None, edit_layout=None, display_layout=None, incoming=[], outgoing=[],
                          flow={"join": {"wait_for": "all"}})
    TaskDefinitionState._display(page, dto)  # type: ignore[arg-type]
    assert page.flow == [{"label": "Join", "value": "waits for every live branch arriving here", "short": "join: all"}]


def test_the_workflow_page_state_gives_each_task_its_flow_summary() -> None:
    page = _Page()
    bundle: dict[str, Any] = {"key": "buy", "title": "Buy", "start": "a", "tasks": [
        {"key": "a", "title": "A", "type": "FORM", "next": "all"},
        {"key": "j", "title": "J", "type": "JOIN", "join": {"wait_for": "all"}}], "transitions": []}
    dto = SimpleNamespace(start_task_key="a", created_at=None, created_by_email=None, fields=[], version=1,
                          tasks=[SimpleNamespace(key=t["key"], title=t["title"], type=t["type"], description=None)
                                 for t in bundle["tasks"]],
                          transitions=[], ticket_types=[], bundle=bundle)
    WorkflowDetailState._display(page, dto)  # type: ignore[arg-type]
    assert [(t["key"], t["flow"]) for t in page.tasks] == [("a", "parallel split"), ("j", "join: all")]
    assert page.diagram.startswith("data:image/svg+xml")


def test_the_pages_render_the_flow_parts() -> None:
    task_page = str(importlib.import_module("tfai.ui.pages.definition_task").definition_task().render())
    assert '"task-flow"' in task_page and "A join has no form" in task_page
    workflow_page = str(importlib.import_module("tfai.ui.pages.definition_workflow").definition_workflow().render())
    assert '"Flow"' in workflow_page
