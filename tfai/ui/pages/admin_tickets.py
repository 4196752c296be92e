"""All tickets of the company (ticket admins, admins): Active/Archive, search, filters, sorting, pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_SEARCH
from tfai.ui.components.filters import filter_form
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import empty_state, link_cell, loaded, pager, status_badge, tabs, time_text
from tfai.ui.state.admin_tickets import AdminTicketsState

S: Any = AdminTicketsState


def _search() -> rx.Component:
    return rx.vstack(rx.text("Search", size="1", color_scheme="gray"),
                     rx.input(name="search", placeholder="Title, contents or #number", default_value=S.search,
                              max_length=MAX_SEARCH, width="240px", id="list-search"), spacing="1")


def _filters() -> rx.Component:
    return filter_form(S, _search(), form_id="ticket-filters", on_submit=S.do_search, type_label="Type")


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        link_cell(row["title"], row["href"], row["number"]),
        rx.table.cell(row["type"]),
        rx.table.cell(status_badge(row["status_text"], row["status_color"])),
        rx.table.cell(rx.vstack(rx.text(row["current_task"], size="2"),
                                rx.text(row["assignee"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.text(row["requester"], size="2")),
        rx.table.cell(time_text(row["created_ago"], row["created"])),
        rx.table.cell(time_text(row["updated_ago"], row["updated"])),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Ticket", "Type", "Status", "Current task", "Requester", "Submitted", "Last change")])),
        rx.table.body(rx.foreach(S.rows, _row)), variant="surface", width="100%", id="tickets-table")


@rx.page(route="/admin/tickets", title="All tickets · tfai", on_load=S.load)
def admin_tickets() -> rx.Component:
    return app_page(
        error_summary(S.list_error),
        tabs(S),
        _filters(),
        rx.box(loaded(S, empty_state("search-x", "No tickets match", "Change the filters or the tab."), _table()),
               width="100%", overflow_x="auto"),
        rx.cond(S.rows.length() > 0, pager(S, "tickets")),
        title="All tickets",
    )
