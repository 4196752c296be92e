"""Workflow definitions list: newest version of each, who changed it last, which ticket types start it."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import paged_table, section_tabs
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.state.definitions_lists import WorkflowListState

S: Any = WorkflowListState


def _row(row: Any) -> rx.Component:
    key = row["key"].to(str)
    return rx.table.row(
        rx.table.cell(rx.link(rx.code(key), href=f"/definitions/workflows/{key}")),
        rx.table.cell(row["title"].to(str)),
        rx.table.cell(rx.badge("v", row["version"].to(str), variant="soft")),
        rx.table.cell(row["tasks"].to(str)),
        rx.table.cell(rx.flex(rx.foreach(row["ticket_types"].to(list[str]), lambda t: rx.link(
            rx.badge(t, color_scheme="teal", variant="soft"), href=f"/definitions/ticket-types/{t}")),
            wrap="wrap", gap="1")),
        rx.table.cell(rx.vstack(rx.text(row["updated"].to(str), size="1"),
                                rx.text(row["by"].to(str), size="1", color_scheme="gray"), spacing="0")),
    )


@rx.page(route="/definitions/workflows", title="Workflows · tfai", on_load=S.load)
def definitions_workflows() -> rx.Component:
    return app_page(
        section_tabs("/definitions/workflows"),
        error_summary(S.error),
        paged_table(S, ["Key", "Title", "Version", "Tasks", "Ticket types", "Last change"], _row,
                    table_id="workflows-table", noun="workflows"),
        title="Workflows",
        actions=rx.link(rx.button(rx.icon("upload", size=16), "Upload bundle"), href="/definitions/upload"),
    )
