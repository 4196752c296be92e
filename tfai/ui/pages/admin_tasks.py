"""All tasks of the company (ticket admins, admins): Active/Archive, filters, sorting, pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary, field_error
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import choice, empty_state, link_cell, loaded, pager, status_badge, tabs, time_text
from tfai.ui.state.admin_tasks import AdminTasksState

S: Any = AdminTasksState


def _day(name: str, label: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.input(type="date", name=name, default_value=S.filters[name], width="160px",
                              id=f"filter-{name}"),
                     field_error(S.filter_errors.get(name, "")), spacing="1")


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            choice("ticket_type", S.type_choices, S.filters["ticket_type"], label="Ticket type"),
            choice("status", S.status_choices, S.filters["status"], width="150px", label="Status"),
            choice("assignee", S.worker_choices, S.filters["assignee"], width="220px", label="Assignee"),
            _day("created_from", "Created from"),
            _day("created_to", "Created to"),
            choice("sort", S.sort_choices, S.filters["sort"], label="Sort"),
            rx.button(rx.icon("filter", size=16), "Apply", type="submit", variant="soft", id="apply-filters"),
            rx.button("Clear", type="button", variant="ghost", on_click=S.clear_filters),
            wrap="wrap", gap="3", align="end"),
        on_submit=S.apply_filters, reset_on_submit=False, key=S.filter_key, id="task-filters", width="100%",
    )


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        link_cell(row["title"], row["href"], row["type"]),
        rx.table.cell(rx.vstack(rx.link(row["ticket_title"], href=row["ticket_href"], size="2"),
                                rx.text(row["ticket_type"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(status_badge(row["status_text"], row["status_color"])),
        rx.table.cell(rx.text(row["assignee"], size="2")),
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
        tabs(S),
        _filters(),
        rx.box(loaded(S, empty_state("search-x", "No tasks match", "Change the filters or the tab."), _table()),
               width="100%", overflow_x="auto"),
        rx.cond(S.rows.length() > 0, pager(S, "tasks")),
        title="All tasks",
    )
