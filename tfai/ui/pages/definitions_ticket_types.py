"""Ticket types list: newest version of each, the workflow it starts, who changed it last."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import paged_table, section_tabs
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.state.definitions_lists import TicketTypeListState

S: Any = TicketTypeListState


def _row(row: Any) -> rx.Component:
    key, wf = row["key"].to(str), row["workflow_key"].to(str)
    return rx.table.row(
        rx.table.cell(rx.link(rx.code(key), href=f"/definitions/ticket-types/{key}")),
        rx.table.cell(row["title"].to(str)),
        rx.table.cell(rx.badge("v", row["version"].to(str), variant="soft")),
        rx.table.cell(rx.link(rx.code(wf), href=f"/definitions/workflows/{wf}")),
        rx.table.cell(rx.vstack(rx.text(row["updated"].to(str), size="1"),
                                rx.text(row["by"].to(str), size="1", color_scheme="gray"), spacing="0")),
    )


@rx.page(route="/definitions/ticket-types", title="Ticket types · tfai", on_load=S.load)
def definitions_ticket_types() -> rx.Component:
    return app_page(
        section_tabs("/definitions/ticket-types"),
        error_summary(S.error),
        paged_table(S, ["Key", "Title", "Version", "Workflow", "Last change"], _row, table_id="ticket-types-table",
                    noun="ticket types", placeholder="Search key, title or workflow"),
        title="Ticket types",
    )
