"""Users and roles (company admins): list with search and pages, create, edit roles, (de)activate."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_EMAIL, MAX_LOGIN_PASSWORD, MAX_NAME, MAX_SEARCH
from tfai.ui.components.forms import error_summary, field, submit_button, success_note, text_field
from tfai.ui.components.layout import app_page
from tfai.ui.state.admin_users import AdminUsersState

S: Any = AdminUsersState  # Reflex's Var and EventCallback types are beyond mypy here


def _badges(items: Any, color: str) -> rx.Component:
    return rx.flex(rx.foreach(items, lambda r: rx.badge(r, color_scheme=color, variant="soft")),
                   wrap="wrap", spacing="1")


def _role_boxes(name: str, options: Any, selected: Any = None) -> rx.Component:
    return rx.flex(
        rx.foreach(options, lambda role: rx.checkbox(
            role, name=name, value=role,
            default_checked=selected.contains(role) if selected is not None else role == "user")),
        wrap="wrap", spacing="4",
    )


def _confirm_active(row: Any) -> rx.Component:
    active = row["is_active"].to(bool)
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.cond(active, "Deactivate", "Reactivate"), size="1", variant="soft",
                                          color_scheme=rx.cond(active, "red", "green"))),
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(active, "Deactivate ", "Reactivate "), row["name"].to(str), "?"),
            rx.alert_dialog.description(rx.cond(
                active, "Their sessions and API tokens end at once and their open tasks go to colleagues.",
                "They can log in again.")),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Confirm", on_click=S.set_active(row["id"].to(str), ~active))),
                      spacing="3", justify="end", margin_top="1em"),
        ),
    )


def _row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row["name"].to(str), weight="medium"),
                                rx.text(row["email"].to(str), size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(_badges(row["system_roles"].to(list[str]), "violet")),
        rx.table.cell(_badges(row["company_roles"].to(list[str]), "teal")),
        rx.table.cell(rx.cond(row["is_active"].to(bool), rx.badge("active", color_scheme="green"),
                              rx.badge("deactivated", color_scheme="gray"))),
        rx.table.cell(rx.switch(checked=row["available"].to(bool), size="1",
                                on_change=lambda v: S.set_available(row["id"].to(str), v))),
        rx.table.cell(row["open_tasks"].to(int)),
        rx.table.cell(rx.cond(S.can_manage, rx.hstack(rx.button("Edit roles", size="1", variant="soft",
                                                                on_click=S.open_edit(row["id"].to(str))),
                                                      _confirm_active(row), spacing="2"))),
    )


def _table() -> rx.Component:
    return rx.vstack(
        rx.form(rx.hstack(rx.input(name="search", placeholder="Search name or email", default_value=S.search,
                                   max_length=MAX_SEARCH, width="280px"),
                          rx.button(rx.icon("search", size=16), "Search", type="submit", variant="soft"),
                          spacing="2"), on_submit=S.do_search, reset_on_submit=False),
        rx.cond(S.rows.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "User", "System roles", "Company roles", "Status", "Available", "Open tasks", "")])),
            rx.table.body(rx.foreach(S.rows, _row)), variant="surface", width="100%", id="users-table"),
            rx.text("No users match.", color_scheme="gray")),
        rx.hstack(rx.button("Previous", size="1", variant="soft", disabled=S.page <= 1, on_click=S.go_page(-1)),
                  rx.text("Page ", S.page, " of ", S.page_count, " · ", S.total, " users", size="2"),
                  rx.button("Next", size="1", variant="soft", disabled=S.page >= S.page_count,
                            on_click=S.go_page(1)), align="center", spacing="3"),
        spacing="3", width="100%", overflow_x="auto",
    )


def _create() -> rx.Component:
    err = S.create_errors
    return rx.card(rx.vstack(
        rx.heading("Add a user", size="4"),
        error_summary(S.create_error),
        rx.cond(S.created_link != "", rx.callout.root(
            rx.callout.icon(rx.icon("link")),
            rx.vstack(rx.text("Give this one-time link to the new user (shown only once; valid 72 hours):",
                              size="2"),
                      rx.code(S.created_link, id="set-password-link", style={"word_break": "break-all"}),
                      rx.button("I have copied it", size="1", variant="soft", on_click=S.hide_link),
                      spacing="1"),
            # Shown once: leaving the page drops it from the tab's state too.
            color_scheme="amber", width="100%", on_unmount=S.hide_link)),
        rx.form(rx.vstack(
            rx.grid(
                text_field("Email", "email", type="email", required=True, error=err.get("email", ""),
                           max_length=MAX_EMAIL),
                text_field("First name", "first_name", required=True, error=err.get("first_name", ""),
                           max_length=MAX_NAME),
                text_field("Last name", "last_name", required=True, error=err.get("last_name", ""),
                           max_length=MAX_NAME),
                text_field("Initial password", "password", type="password", error=err.get("password", ""),
                           help="Leave empty to get a one-time set-password link instead.",
                           autocomplete="new-password", max_length=MAX_LOGIN_PASSWORD),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            field("System roles", _role_boxes("system_roles", S.all_system_roles),
                  error=err.get("system_roles", ""),
                  help="task_worker executes tasks; ticket_admin steers all tickets; "
                       "workflow_creator designs workflows; admin can do everything."),
            field("Company roles", _role_boxes("company_roles", S.all_company_roles),
                  error=err.get("company_roles", ""), help="Decide which ticket types the user may submit."),
            submit_button("Add user", loading=S.busy),
            spacing="3", width="100%", align="start"),
            on_submit=S.create, reset_on_submit=False, key=S.create_key, id="create-user-form", width="100%"),
        spacing="3", width="100%"), width="100%")


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Roles of ", S.edit_name),
            error_summary(S.edit_error),
            rx.form(rx.vstack(
                field("System roles", _role_boxes("system_roles", S.all_system_roles, S.edit_system)),
                field("Company roles", _role_boxes("company_roles", S.all_company_roles, S.edit_company),
                      help="Everyone keeps the role 'user'."),
                rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                          rx.button("Save roles", type="submit"), spacing="3", justify="end", width="100%"),
                spacing="4", width="100%"),
                on_submit=S.save_edit, reset_on_submit=False, key=S.edit_key, id="edit-roles-form"),
        ),
        open=S.edit_open, on_open_change=S.set_edit_open,
    )


@rx.page(route="/admin/users", title="Users and roles · tfai", on_load=S.load)
def admin_users() -> rx.Component:
    return app_page(
        rx.hstack(rx.link("Company roles →", href="/admin/roles"), width="100%"),
        error_summary(S.error), success_note(S.notice),
        _table(), rx.cond(S.can_manage, rx.fragment(_create(), _edit_dialog())),
        title="Users and roles",
    )
