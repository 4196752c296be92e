"""Company roles (admins): list, create, rename, describe and delete; `user` cannot be deleted."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_DESCRIPTION, MAX_KEY
from tfai.ui.components.forms import error_summary, submit_button, success_note, text_field
from tfai.ui.components.layout import app_page
from tfai.ui.state.admin_roles import AdminRolesState

S: Any = AdminRolesState  # Reflex's Var and EventCallback types are beyond mypy here


def _delete(row: Any) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Delete", size="1", variant="soft", color_scheme="red",
                                          disabled=row["protected"].to(bool))),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete the role ", row["name"].to(str), "?"),
            rx.alert_dialog.description("Its members lose it; ticket types that rely on it may become unavailable."),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Delete", color_scheme="red",
                                                       on_click=S.delete(row["name"].to(str)))),
                      spacing="3", justify="end", margin_top="1em"),
        ),
    )


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge(row["name"].to(str), color_scheme="teal", variant="soft")),
        rx.table.cell(rx.text(row["description"].to(str), size="2")),
        rx.table.cell(row["members"].to(int)),
        rx.table.cell(rx.cond(S.can_manage, rx.hstack(
            rx.button("Edit", size="1", variant="soft", on_click=S.open_edit(row["name"].to(str))),
            _delete(row), spacing="2"))),
    )


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit the role ", S.edit_name),
            error_summary(S.edit_error),
            rx.form(rx.vstack(
                text_field("Name", "new_name", default_value=S.edit_name, error=S.edit_errors.get("new_name", ""),
                           max_length=MAX_KEY, help="Lower-case letters, digits, '_' or '-'."),
                text_field("Description", "description", default_value=S.edit_description,
                           error=S.edit_errors.get("description", ""), max_length=MAX_DESCRIPTION),
                rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                          rx.button("Save", type="submit"), spacing="3", justify="end", width="100%"),
                spacing="4", width="100%"),
                on_submit=S.save_edit, reset_on_submit=False, key=S.edit_key),
        ),
        open=S.edit_open, on_open_change=S.set_edit_open,
    )


@rx.page(route="/admin/roles", title="Company roles · tfai", on_load=S.load)
def admin_roles() -> rx.Component:
    return app_page(
        rx.link("← Users", href="/admin/users"),
        rx.text("Company roles decide which ticket types people may submit. Everyone has the role 'user'.",
                color_scheme="gray"),
        error_summary(S.error), success_note(S.notice),
        rx.cond(S.roles.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                           for h in ("Role", "Description", "Members", "")])),
            rx.table.body(rx.foreach(S.roles, _row)), variant="surface", width="100%"),
            rx.text("No roles yet.", color_scheme="gray")),
        rx.cond(S.can_manage, rx.card(rx.form(rx.vstack(
            rx.heading("New role", size="4"),
            rx.grid(text_field("Name", "role_name", required=True, error=S.errors.get("role_name", ""),
                               max_length=MAX_KEY, placeholder="e.g. engineering"),
                    text_field("Description", "description", error=S.errors.get("description", ""),
                               max_length=MAX_DESCRIPTION),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            submit_button("Create role"), spacing="3", width="100%", align="start"),
            on_submit=S.create, reset_on_submit=False, key=S.create_key, id="create-role-form"), width="100%")),
        rx.cond(S.can_manage, _edit_dialog()),
        title="Company roles",
    )
