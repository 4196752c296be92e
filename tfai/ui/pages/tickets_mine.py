"""My tickets: what I asked for, active or archived, searchable, one page at a time."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import empty_state, link_cell, loaded, pager, search_form, status_badge, tabs, time_text
from tfai.ui.state.my_tickets import MyTicketsState

S: Any = MyTicketsState


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        link_cell(row["title"], row["href"], row["number"]),
        rx.table.cell(row["type"]),
        rx.table.cell(status_badge(row["status_text"], row["status_color"])),
        rx.table.cell(rx.vstack(rx.text(row["current_task"], size="2"),
                                rx.text(row["assignee"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(time_text(row["created_ago"], row["created"])),
        rx.table.cell(time_text(row["updated_ago"], row["updated"])),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Ticket", "Type", "Status", "Current task", "Submitted", "Last change")])),
        rx.table.body(rx.foreach(S.rows, _row)), variant="surface", width="100%", id="tickets-table")


def _empty() -> rx.Component:
    return rx.cond(
        S.search != "",
        empty_state("search-x", "No tickets match your search", "Try other words, or clear the search."),
        rx.cond(S.tab == "active",
                empty_state("inbox", "Nothing in progress", "Tickets you submit appear here until they are done.",
                            rx.link(rx.button("Submit a ticket"), href="/tickets/new")),
                empty_state("archive", "No finished tickets yet", "Completed and cancelled tickets appear here.")))


@rx.page(route="/tickets", title="My tickets · tfai", on_load=S.load)
def my_tickets() -> rx.Component:
    return app_page(
        error_summary(S.list_error),
        tabs(S),
        search_form(S, "Search title, contents or #number"),
        rx.box(loaded(S, _empty(), _table()), width="100%", overflow_x="auto"),
        rx.cond(S.rows.length() > 0, pager(S, "tickets")),
        title="My tickets",
        actions=rx.link(rx.button(rx.icon("circle-plus", size=16), "Submit ticket"), href="/tickets/new"),
    )


@rx.page(route="/tickets/mine", title="My tickets · tfai", on_load=rx.redirect("/tickets", replace=True))
def my_tickets_alias() -> rx.Component:
    """The sidebar's older address for this page."""
    return rx.center(rx.spinner(), padding="3em")
