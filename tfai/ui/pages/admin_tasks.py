"""All tasks of the company (ticket admins, admins): Active/Archive, filters, sorting, pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.filters import filter_form
from tfai.ui.components.forms import error_summary, success_note
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import empty_state, link_cell, loaded, pager, status_badge, tabs, time_text
from tfai.ui.state.admin_tasks import AdminTasksState

S: Any = AdminTasksState


def _filters() -> rx.Component:
    return filter_form(S, form_id="task-filters", on_submit=S.apply_filters, type_label="Ticket type")


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        link_cell(row["title"], row["href"], row["type"]),
        rx.table.cell(rx.vstack(rx.link(row["ticket_title"], href=row["ticket_href"], size="2"),
                                rx.text(row["ticket_type"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(status_badge(row["status_text"], row["status_color"])),
        rx.table.cell(rx.hstack(
            rx.text(row["assignee"], size="2"),
            # A form no available worker could take: one click for a ticket admin who is a worker themselves.
            rx.cond((row["waiting"] != "") & S.is_worker,
                    rx.button("Assign to me", size="1", variant="soft", on_click=S.take(row["id"]),
                              class_name="take-task")),
            align="center", spacing="2", wrap="wrap")),
        rx.table.cell(time_text(row["created_ago"], row["created"])),
        rx.table.cell(rx.cond(S.tab == "active", time_text(row["assigned_ago"], row["assigned"]),
                              time_text(row["completed_ago"], row["completed"]))),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            *[rx.table.column_header_cell(h) for h in ("Task", "Ticket", "Status", "Assignee", "Created")],
            rx.table.column_header_cell(rx.cond(S.tab == "active", "Assigned", "Completed")))),
        rx.table.body(rx.foreach(S.rows, _row)), variant="surface", width="100%", id="tasks-table")


@rx.page(route="/admin/tasks", title="All tasks · tfai", on_load=S.load)
def admin_tasks() -> rx.Component:
    return app_page(
        error_summary(S.list_error),
        success_note(S.notice),
        tabs(S),
        _filters(),
        rx.box(loaded(S, empty_state("search-x", "No tasks match", "Change the filters or the tab."), _table()),
               width="100%", overflow_x="auto"),
        rx.cond(S.rows.length() > 0, pager(S, "tasks")),
        title="All tasks",
    )
