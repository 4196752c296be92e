"""The staff console (/staff): customer companies with counts and last activity, totals, Switch, and Your grants
(every company, with their status; Enter for an approved live one)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_SEARCH, MAX_STAFF_REASON
from tfai.ui.components.forms import error_summary, field, submit_button, success_note
from tfai.ui.components.layout import app_page
from tfai.ui.state.staff_console import StaffConsoleState

S: Any = StaffConsoleState


def _total(label: str, key: str) -> rx.Component:
    return rx.card(rx.vstack(rx.text(label, size="2", color_scheme="gray"),
                             rx.heading(S.totals.get(key, 0).to(int), size="6"), spacing="0"))


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"].to(str), weight="medium")),
        rx.table.cell(row["users"].to(int)), rx.table.cell(row["tickets"].to(int)),
        rx.table.cell(row["open_tasks"].to(int)), rx.table.cell(row["last_activity"].to(str)),
        rx.table.cell(rx.cond(row["write_allowed"].to(bool), rx.badge("read-write allowed", color_scheme="green"),
                              rx.badge("read-only only", color_scheme="gray"))),
        rx.table.cell(rx.button("Switch", size="1", on_click=S.open_switch(row["id"].to(str)))),
    )


_STATUS_COLOURS = {"pending": "amber", "active": "green", "denied": "red", "expired": "gray", "ended": "gray"}


def _grant(row: Any) -> rx.Component:
    status = row["status"].to(str)
    return rx.table.row(
        rx.table.cell(rx.text(row["company"].to(str), weight="medium")),
        rx.table.cell(row["when"].to(str)), rx.table.cell(row["mode"].to(str)),
        rx.table.cell(row["duration"].to(str)),
        rx.table.cell(rx.badge(row["status_text"].to(str), color_scheme=rx.match(
            status, *[(k, v) for k, v in _STATUS_COLOURS.items()], "gray"), data_status=status)),
        rx.table.cell(rx.cond(row["can_enter"].to(bool),
                              rx.button("Enter", size="1", on_click=S.enter_grant(row["id"].to(str))))),
    )


def _grants() -> rx.Component:
    return rx.cond(S.grants_total > 0, rx.card(rx.vstack(
        rx.hstack(rx.heading("Your grants", size="4"),
                  rx.button(rx.icon("refresh-cw", size=14), "Refresh", size="1", variant="soft",
                            on_click=S.refresh_grants, id="refresh-grants"),
                  spacing="3", align="center"),
        rx.text("Every grant you asked for, newest first. A company that approves each grant shows it as waiting "
                "until one of its admins decides; Enter appears once it is approved, and the requested time starts "
                "at the approval.", size="2", color_scheme="gray"),
        error_summary(S.grants_error),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Company", "Asked", "Mode", "Duration", "Status", "")])),
            rx.table.body(rx.foreach(S.grants, _grant)), variant="surface", width="100%", id="my-grants"),
            overflow_x="auto", width="100%"),
        rx.cond(S.grants_pages > 1, rx.hstack(
            rx.button("Previous", size="1", variant="soft", disabled=S.grants_page <= 1,
                      on_click=S.grants_to_page(S.grants_page - 1)),
            rx.text("Page ", S.grants_page, " of ", S.grants_pages, size="2"),
            rx.button("Next", size="1", variant="soft", disabled=S.grants_page >= S.grants_pages,
                      on_click=S.grants_to_page(S.grants_page + 1)),
            spacing="3", align="center")),
        spacing="3", width="100%"), width="100%"))


def _dialog() -> rx.Component:
    err = S.switch_errors
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Switch into ", S.switch_name),
        rx.dialog.description("The customer sees who you are, your reason and what you do.", size="2"),
        error_summary(S.switch_error),
        rx.form(rx.vstack(
            field("Reason", rx.text_area(name="reason", id="switch-reason", max_length=MAX_STAFF_REASON, required=True,
                                         placeholder="Why you need access (shown to the customer)", width="100%"),
                  error=err.get("reason", ""), required=True),
            field("Mode", rx.radio_group.root(
                rx.vstack(rx.hstack(rx.radio_group.item(value="read", id="mode-read"),
                                    rx.text("Read-only: see what an admin sees, change nothing", size="2")),
                          rx.hstack(rx.radio_group.item(value="write", disabled=~S.switch_write_allowed,
                                                        id="mode-write"),
                                    rx.text("Read-write: act as an admin", size="2")),
                          rx.cond(~S.switch_write_allowed, rx.text("This company has disabled staff write access.",
                                                                   size="1", color_scheme="gray")), spacing="1"),
                name="mode", default_value="read"), error=err.get("mode", "")),
            field("Duration (minutes)", rx.input(name="minutes", type="number", min=1, max=S.max_minutes,
                                                 default_value=S.default_minutes.to(str), id="switch-minutes",
                                                 width="10em"),
                  error=err.get("minutes", ""), help="Default 60, at most 480 (8 hours)."),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                      submit_button("Switch", loading=S.busy), spacing="3", justify="end", width="100%"),
            spacing="4", width="100%"),
            on_submit=S.start_switch, reset_on_submit=False, key=S.switch_key, id="switch-form"),
    ), open=S.switch_open, on_open_change=S.set_switch_open)


@rx.page(route="/staff", title="Staff console · tfai", on_load=S.load)
def staff_console() -> rx.Component:
    return app_page(
        error_summary(S.error), success_note(S.notice),
        _grants(),
        rx.grid(_total("Companies", "companies"), _total("Users", "users"), _total("Tickets", "tickets"),
                _total("Open tasks", "open_tasks"), _total("Live grants", "active_grants"),
                columns=rx.breakpoints(initial="2", md="5"), spacing="3", width="100%", id="staff-totals"),
        rx.form(rx.hstack(rx.input(name="search", placeholder="Search companies", default_value=S.search,
                                   max_length=MAX_SEARCH, width="280px"),
                          rx.button(rx.icon("search", size=16), "Search", type="submit", variant="soft"),
                          spacing="2"), on_submit=S.do_search, reset_on_submit=False),
        rx.cond(S.companies.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Company", "Users", "Tickets", "Open tasks", "Last activity", "Staff write", "")])),
            rx.table.body(rx.foreach(S.companies, _row)), variant="surface", width="100%", id="companies-table"),
            overflow_x="auto", width="100%"),
            rx.cond(S.loaded, rx.text("No companies match.", color_scheme="gray"))),
        _dialog(),
        title="Staff console",
    )
