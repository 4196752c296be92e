"""The staff console (/staff): customer companies with counts and last activity, totals, Switch, and the grants
asked for that wait for a company's approval (Enter)."""

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


def _request(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["company"].to(str), weight="medium")),
        rx.table.cell(row["when"].to(str)), rx.table.cell(row["mode"].to(str)),
        rx.table.cell(row["duration"].to(str)),
        rx.table.cell(rx.badge(row["status"].to(str), color_scheme="blue")),
        rx.table.cell(rx.button("Enter", size="1", on_click=S.enter_grant(row["id"].to(str)))),
    )


def _requests() -> rx.Component:
    return rx.cond(S.requests.length() > 0, rx.card(rx.vstack(
        rx.heading("Your requests", size="4"),
        rx.text("These companies approve each grant. Enter works once one of their admins has approved; the "
                "requested time starts at the approval.", size="2", color_scheme="gray"),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Company", "Asked", "Mode", "Duration", "Status", "")])),
            rx.table.body(rx.foreach(S.requests, _request)), variant="surface", width="100%", id="grant-requests"),
            overflow_x="auto", width="100%"),
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
        _requests(),
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
