"""My tasks (task workers): what to do next, oldest first, and my availability."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary, success_note
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import empty_state, link_cell, loaded, pager, status_badge, tabs, time_text
from tfai.ui.state.my_tasks import MyTasksState

S: Any = MyTasksState


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        link_cell(row["title"], row["href"], row["status_text"]),
        rx.table.cell(rx.vstack(rx.link(row["ticket_title"], href=row["ticket_href"], size="2"),
                                rx.text(row["ticket_type"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(status_badge(row["status_text"], row["status_color"])),
        rx.table.cell(time_text(row["created_ago"], row["created"])),
        rx.table.cell(rx.cond(S.tab == "active", rx.link(rx.button("Open", size="1"), href=row["href"]),
                              time_text(row["completed_ago"], row["completed"]))),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Task", "Ticket", "Status", "Created", "")])),
        rx.table.body(rx.foreach(S.rows, _row)), variant="surface", width="100%", id="tasks-table")


def _availability() -> rx.Component:
    return rx.hstack(
        rx.switch(checked=S.available, on_change=S.set_available, id="availability-switch"),
        rx.text(rx.cond(S.available, "Available for new tasks", "Away"), size="2"),
        align="center", spacing="2",
    )


@rx.page(route="/tasks", title="My tasks · tfai", on_load=S.load)
def my_tasks() -> rx.Component:
    return app_page(
        error_summary(S.list_error), success_note(S.notice),
        tabs(S),
        rx.box(loaded(S, rx.cond(S.tab == "active",
                                 empty_state("coffee", "All done", "No task is waiting for you. New ones appear here."),
                                 empty_state("archive", "No finished tasks yet", "Tasks you complete appear here.")),
                      _table()), width="100%", overflow_x="auto"),
        rx.cond(S.rows.length() > 0, pager(S, "tasks")),
        title="My tasks",
        actions=_availability(),
    )


@rx.page(route="/tasks/mine", title="My tasks · tfai", on_load=rx.redirect("/tasks", replace=True))
def my_tasks_alias() -> rx.Component:
    """The sidebar's older address for this page."""
    return rx.center(rx.spinner(), padding="3em")
