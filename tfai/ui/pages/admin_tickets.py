"""All tickets of the company (ticket admins, admins): Active/Archive, search, filters, sorting, pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary, field_error
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import choice, empty_state, link_cell, loaded, pager, status_badge, tabs, time_text
from tfai.ui.state.admin_tickets import AdminTicketsState

S: Any = AdminTicketsState


def _day(name: str, label: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.input(type="date", name=name, default_value=S.filters[name], width="160px",
                              id=f"filter-{name}"),
                     field_error(S.filter_errors.get(name, "")), spacing="1")


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(rx.text("Search", size="1", color_scheme="gray"),
                      rx.input(name="search", placeholder="Title, contents or #number", default_value=S.search,
                               max_length=200, width="240px", id="list-search"), spacing="1"),
            choice("ticket_type", S.type_choices, S.filters["ticket_type"], label="Type"),
            choice("status", S.status_choices, S.filters["status"], width="150px", label="Status"),
            choice("assignee", S.worker_choices, S.filters["assignee"], width="220px", label="Assignee"),
            _day("created_from", "Created from"),
            _day("created_to", "Created to"),
            choice("sort", S.sort_choices, S.filters["sort"], label="Sort"),
            rx.button(rx.icon("filter", size=16), "Apply", type="submit", variant="soft", id="apply-filters"),
            rx.button("Clear", type="button", variant="ghost", on_click=S.clear_filters),
            wrap="wrap", gap="3", align="end"),
        on_submit=S.do_search, reset_on_submit=False, key=S.filter_key, id="ticket-filters", width="100%",
    )


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
