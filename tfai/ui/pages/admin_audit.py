"""The company audit log (/admin/audit): who did what and when, staff actions named, with filters and pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_KEY
from tfai.ui.components.forms import error_summary, field_error
from tfai.ui.components.layout import app_page
from tfai.ui.state.admin_audit import AdminAuditState

S: Any = AdminAuditState


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["when"].to(str), white_space="nowrap")),
        rx.table.cell(rx.text(row["who"].to(str), size="2")),
        rx.table.cell(rx.code(row["action"].to(str))),
        rx.table.cell(row["entity"].to(str), " ", row["entity_id"].to(str)),
        rx.table.cell(rx.vstack(
            rx.cond(row["before"].to(str) != "", rx.text("before: ", row["before"].to(str), size="1",
                                                         font_family="monospace", word_break="break-all")),
            rx.cond(row["after"].to(str) != "", rx.text("after: ", row["after"].to(str), size="1",
                                                        font_family="monospace", word_break="break-all")),
            spacing="0")),
    )


def _filters() -> rx.Component:
    return rx.form(rx.hstack(
        rx.input(name="entity", placeholder="Entity (e.g. ticket, staff_grant)", default_value=S.entity,
                 max_length=MAX_KEY, width="240px"),
        rx.vstack(rx.input(name="actor", placeholder="Actor user id", default_value=S.actor_filter, max_length=20,
                           width="140px"), field_error(S.filter_error), spacing="1"),
        rx.button(rx.icon("filter", size=16), "Filter", type="submit", variant="soft"),
        spacing="2", align="start", wrap="wrap"), on_submit=S.apply_filters, reset_on_submit=False, id="audit-filters")


@rx.page(route="/admin/audit", title="Audit log · tfai", on_load=S.load_audit)
def admin_audit() -> rx.Component:
    return app_page(
        error_summary(S.audit_error),
        _filters(),
        rx.cond(S.entries.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "When", "Who", "Action", "Object", "Change")])),
            rx.table.body(rx.foreach(S.entries, _row)), variant="surface", width="100%", id="audit-table"),
            overflow_x="auto", width="100%"),
            rx.text("No audit entries match.", color_scheme="gray")),
        rx.hstack(rx.button("Previous", size="1", variant="soft", disabled=S.audit_page <= 1,
                            on_click=S.go_audit_page(-1)),
                  rx.text("Page ", S.audit_page, " of ", S.audit_page_count, " · ", S.audit_total, " entries",
                          size="2", id="audit-page-info"),
                  rx.button("Next", size="1", variant="soft", disabled=S.audit_page >= S.audit_page_count,
                            on_click=S.go_audit_page(1)), align="center", spacing="3"),
        title="Audit log",
        actions=rx.link("Staff access →", href="/admin/staff-access"),
    )
