"""Staff access (/admin/staff-access): who may enter, grants waiting for approval, every grant and what was done
under it, write access."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary, success_note
from tfai.ui.components.layout import app_page
from tfai.ui.state.admin_staff_access import AdminStaffAccessState

S: Any = AdminStaffAccessState
STATUS_COLOURS = {"active": "green", "pending": "blue", "denied": "red", "ended": "gray", "expired": "amber"}


def _status(value: Any) -> rx.Component:
    return rx.match(value, *[(k, rx.badge(k, color_scheme=c)) for k, c in STATUS_COLOURS.items()], rx.badge(value))


def _grant(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["who"].to(str), weight="medium")),
        rx.table.cell(row["when"].to(str)),
        rx.table.cell(rx.text(row["why"].to(str), white_space="pre-wrap")),
        rx.table.cell(row["mode"].to(str)),
        rx.table.cell(row["duration"].to(str)),
        rx.table.cell(_status(row["status"].to(str))),
        rx.table.cell(row["views"].to(int)),
        rx.table.cell(rx.button(row["actions"].to(int), " actions", size="1", variant="soft",
                                on_click=S.show_activity(row["id"].to(str)))),
    )


def _waiting(row: Any) -> rx.Component:
    gid = row["id"].to(str)
    return rx.table.row(
        rx.table.cell(rx.text(row["who"].to(str), weight="medium")),
        rx.table.cell(row["when"].to(str)),
        rx.table.cell(rx.text(row["why"].to(str), white_space="pre-wrap")),
        rx.table.cell(row["mode"].to(str)), rx.table.cell(row["duration"].to(str)),
        rx.table.cell(rx.cond(S.can_change, rx.hstack(
            rx.button("Approve", size="1", color_scheme="green", on_click=S.decide(gid, True)),
            rx.button("Deny", size="1", color_scheme="red", variant="soft", on_click=S.decide(gid, False)),
            spacing="2"))),
    )


def _pending() -> rx.Component:
    return rx.cond(S.pending.length() > 0, rx.card(rx.vstack(
        rx.heading("Waiting for your approval", size="4"),
        rx.text("The requested time starts when you approve.", size="2", color_scheme="gray"),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Who", "Asked", "Why", "Mode", "Duration", "")])),
            rx.table.body(rx.foreach(S.pending, _waiting)), variant="surface", width="100%", id="pending-grants"),
            overflow_x="auto", width="100%"),
        spacing="3", width="100%"), width="100%"))


def _choice(choice: Any) -> rx.Component:
    return rx.hstack(
        rx.radio_group.item(value=choice["value"], id="read-access-" + choice["value"]),
        rx.vstack(rx.text(choice["label"], weight="medium", size="2"),
                  rx.text(choice["help"], size="1", color_scheme="gray"), spacing="0"),
        align="start", spacing="2")


def _read_access() -> rx.Component:
    return rx.card(rx.vstack(
        rx.text("Ticketflower staff access", weight="medium"),
        rx.radio_group.root(rx.vstack(rx.foreach(S.read_access_choices, _choice), spacing="2"),
                            value=S.read_access, on_change=S.set_read_access, disabled=~S.can_change,
                            id="staff-read-access"),
        spacing="2", width="100%"), width="100%")


def _entry(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["when"].to(str)), rx.table.cell(rx.code(row["action"].to(str))),
        rx.table.cell(row["entity"].to(str), " ", row["entity_id"].to(str)),
        rx.table.cell(rx.text(row["who"].to(str), size="1")),
        rx.table.cell(rx.text(row["after"].to(str), size="1", font_family="monospace", word_break="break-all")),
    )


def _activity() -> rx.Component:
    return rx.cond(S.activity_grant != "", rx.card(rx.vstack(
        rx.heading("Done under grant #", S.activity_grant, size="4"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "When", "Action", "Object", "Who", "Details")])),
            rx.table.body(rx.foreach(S.activity, _entry)), variant="surface", width="100%", id="grant-activity"),
        spacing="3", width="100%", overflow_x="auto"), width="100%"))


def _write_switch() -> rx.Component:
    return rx.card(rx.hstack(
        rx.vstack(rx.text("Allow Ticketflower staff read-write access", weight="medium"),
                  rx.text("Read-only access stays possible. Turning this off ends live read-write grants.",
                          size="2", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.switch(checked=S.write_allowed, disabled=~S.can_change, on_change=S.set_write_allowed,
                  id="staff-write-switch"),
        align="center", width="100%"), width="100%")


@rx.page(route="/admin/staff-access", title="Staff access · tfai", on_load=S.load)
def admin_staff_access() -> rx.Component:
    return app_page(
        rx.text("Ticketflower staff can only enter your company with a reason and a time limit; everything they do "
                "is recorded here and in the audit log.", size="2", color_scheme="gray"),
        error_summary(S.error), success_note(S.notice),
        _read_access(),
        _write_switch(),
        _pending(),
        rx.cond(S.grants.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Who", "When", "Why", "Mode", "Duration", "Status", "Views", "")])),
            rx.table.body(rx.foreach(S.grants, _grant)), variant="surface", width="100%", id="grants-table"),
            overflow_x="auto", width="100%"),
            rx.text("Ticketflower staff have never accessed your company.", color_scheme="gray")),
        rx.hstack(rx.button("Previous", size="1", variant="soft", disabled=S.page <= 1, on_click=S.go_page(-1)),
                  rx.text("Page ", S.page, " of ", S.page_count, " · ", S.total, " grants", size="2"),
                  rx.button("Next", size="1", variant="soft", disabled=S.page >= S.page_count,
                            on_click=S.go_page(1)), align="center", spacing="3"),
        _activity(),
        title="Staff access",
        actions=rx.link("Audit log →", href="/admin/audit"),
    )
