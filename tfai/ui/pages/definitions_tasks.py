"""Task definitions list: the tasks of each workflow's newest version."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import paged_table, section_tabs, type_badge
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.state.definitions_lists import TaskListState

S: Any = TaskListState


def _row(row: Any) -> rx.Component:
    wf, key = row["workflow_key"].to(str), row["key"].to(str)
    return rx.table.row(
        rx.table.cell(rx.link(rx.code(key), href=f"/definitions/tasks/{wf}/{key}")),
        rx.table.cell(row["title"].to(str)),
        rx.table.cell(type_badge(row["type"].to(str))),
        rx.table.cell(rx.link(rx.code(wf), href=f"/definitions/workflows/{wf}")),
        rx.table.cell(rx.badge("v", row["version"].to(str), variant="soft")),
    )


@rx.page(route="/definitions/tasks", title="Task definitions · tfai", on_load=S.load)
def definitions_tasks() -> rx.Component:
    return app_page(
        section_tabs("/definitions/tasks"),
        error_summary(S.error),
        paged_table(S, ["Key", "Title", "Type", "Workflow", "Version"], _row, table_id="tasks-table",
                    noun="tasks", placeholder="Search task or workflow"),
        title="Task definitions",
    )
