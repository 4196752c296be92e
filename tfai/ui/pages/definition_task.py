"""Task definition page: type, schemas, transforms, action settings, layouts, and the worker's form (preview)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import definition_page, ext_ref_links, json_block, kv, type_badge
from tfai.ui.components.schema_form import schema_form
from tfai.ui.state.definitions_task import TaskDefinitionState

S: Any = TaskDefinitionState


def _edges(title: str, rows: Any) -> rx.Component:
    return kv(title, rx.vstack(rx.foreach(rows, lambda r: rx.text(
        rx.code(r["task"].to(str)), rx.cond(r["condition"].to(str) != "", rx.text.span(" when ", rx.code(
            r["condition"].to(str)))), " · priority ", r["priority"].to(str), size="2")), spacing="1"))


def _flow() -> rx.Component:
    """The task's flow properties (parallel split, join, timer, timeout, reminders, due, for-each, call), read-only."""
    return rx.vstack(rx.foreach(S.flow, lambda r: kv(r["label"].to(str), rx.text(r["value"].to(str), size="2"))),
                     spacing="2", width="100%", id="task-flow")


def _edit() -> rx.Component:
    """Open the workflow's bundle in the editor with the cursor on this task (designers and admins only)."""
    href = "/definitions/upload?from=" + S.wf_key.to(str) + "&at=/workflow/tasks/" + S.item_key.to(str)
    return rx.cond(S.is_designer, rx.link(rx.button(rx.icon("pencil", size=16), "Edit", variant="soft"),
                                          href=href, id="edit-task"))


def _preview() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Form preview", size="4"),
        rx.cond(S.task_type == "FORM",
                rx.vstack(rx.text("What a worker fills in (disabled here).", size="2", color_scheme="gray"),
                          schema_form(S, read_only=True), width="100%", id="task-form-preview"),
                rx.text(rx.match(S.task_type,
                                 ("JOIN", "A join has no form: it completes by itself when its branches arrive."),
                                 ("TIMER", "A timer has no form: it completes by itself when its time comes."),
                                 ("CALL", "A call has no form: it completes when the called workflow completes."),
                                 "Action tasks have no form: the platform calls the endpoint."),
                        size="2", color_scheme="gray")),
        spacing="3", width="100%"), width="100%")


@rx.page(route="/definitions/tasks/[workflow_key]/[task_key]", title="Task definition · tfai", on_load=S.load)
def definition_task() -> rx.Component:
    workflow = (rx.cond(S.wf_title != "", S.wf_title, "Workflow"), "/definitions/workflows/" + S.wf_key.to(str))
    return definition_page(S, noun="Task definition", parents=(("Tasks", "/definitions/tasks"), workflow),
                           heading_id="task-title", body=(
            _edit(),
            rx.card(rx.vstack(
                kv("Key", rx.code(S.item_key)),
                kv("Type", type_badge(S.task_type)),
                kv("Workflow", rx.link(S.wf_title, " (", S.wf_key, " v", S.version, ")",
                                       href="/definitions/workflows/" + S.wf_key.to(str))),
                kv("Description", S.description),
                rx.cond(S.action_url != "", kv("Action URL", rx.code(S.action_url))),
                rx.cond(S.timeout != "", kv("Timeout (s)", S.timeout)),
                _flow(),
                ext_ref_links(S, list_id="task-links"),
                _edges("Comes from", S.incoming), _edges("Goes to", S.outgoing),
                spacing="2", width="100%"), width="100%"),
            json_block("Input transform (CEL)", S.input_transform, language="javascript"),
            json_block("Output transform (CEL)", S.output_transform, language="javascript"),
            rx.grid(json_block("Input schema", S.input_schema), json_block("Output schema", S.output_schema),
                    json_block("Edit layout", S.edit_layout), json_block("Display layout", S.display_layout),
                    columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%"),
            _preview()))
