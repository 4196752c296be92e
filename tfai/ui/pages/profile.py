"""The profile page: names, email, password, availability and personal API tokens."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import API_TOKEN_MAX_DAYS, MAX_EMAIL, MAX_LOGIN_PASSWORD, MAX_NAME, MAX_TOKEN_NAME
from tfai.ui.components.forms import error_summary, field, submit_button, success_note, text_field
from tfai.ui.components.layout import app_page
from tfai.ui.state.profile import ProfileState

S: Any = ProfileState  # Reflex's Var and EventCallback types are beyond mypy here


def _err(key: str) -> Any:
    return S.errors.get(key, "")


def _section(title: str, form: str, *children: rx.Component, help: str = "") -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(title, size="4"),
        *([rx.text(help, size="2", color_scheme="gray")] if help else []),
        error_summary(_err(form)), success_note(S.notices.get(form, "")),
        *children, spacing="3", width="100%"), width="100%")


def _form(form: str, handler: Any, label: str, *fields: rx.Component) -> rx.Component:
    return rx.form(rx.vstack(*fields, submit_button(label, loading=S.busy == form), spacing="3", width="100%"),
                   on_submit=handler, reset_on_submit=False, key=S.form_key, id=f"{form}-form", width="100%")


def _token_row(t: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(t["name"]), rx.table.cell(t["scopes"]), rx.table.cell(t["created"]),
        rx.table.cell(t["expires"]), rx.table.cell(t["last_used"]),
        rx.table.cell(rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button("Revoke", size="1", color_scheme="red", variant="soft")),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Revoke this token?"),
                rx.alert_dialog.description("Programs using it stop working at once."),
                rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                          rx.alert_dialog.action(rx.button("Revoke", color_scheme="red",
                                                           on_click=S.revoke_token(t["id"]))),
                          spacing="3", justify="end", margin_top="1em"),
            ),
        )),
    )


def _tokens() -> rx.Component:
    return _section(
        "API tokens", "tokens",
        rx.cond(S.new_token != "", rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(rx.text("Your new token (shown only once):", size="2"),
                      rx.code(S.new_token, id="new-token", style={"word_break": "break-all"}),
                      rx.button("I have copied it", size="1", variant="soft", on_click=S.hide_token),
                      spacing="2"),
            # Shown once: leaving the page drops it from the tab's state too.
            color_scheme="amber", width="100%", on_unmount=S.hide_token)),
        rx.cond(S.tokens.length() > 0,
                rx.box(rx.table.root(rx.table.header(rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Name", "May do", "Created", "Expires", "Last used",
                                                               "")])),
                    rx.table.body(rx.foreach(S.tokens, _token_row)), width="100%", variant="surface",
                    id="tokens-table"), overflow_x="auto", width="100%"),
                rx.text("No API tokens yet.", size="2", color_scheme="gray")),
        rx.heading("New token", size="3"),
        error_summary(_err("token")), success_note(S.notices.get("token", "")),
        _form("token", S.create_token, "Create token",
              text_field("Name", "name", error=_err("token.name"), max_length=MAX_TOKEN_NAME,
                         placeholder="e.g. CI script"),
              field("Expires after (days)", rx.input(
                  name="expires_in_days", id="expires_in_days", type="number", min=1, max=API_TOKEN_MAX_DAYS,
                  default_value=S.default_days.to(str), width="10em"),
                  error=_err("token.expires_in_days"), help=f"1 to {API_TOKEN_MAX_DAYS} days."),
              field("Scopes", rx.flex(rx.foreach(S.token_scopes, lambda scope: rx.checkbox(
                  scope, name="scopes", value=scope)), wrap="wrap", spacing="4", id="token-scopes"),
                  error=_err("token.scopes"),
                  help="Tick what the token may do; with none ticked it may do all you may do."),
              text_field("Your password", "password", type="password", required=True,
                         error=_err("token.password"), autocomplete="current-password", max_length=MAX_LOGIN_PASSWORD),
              # Platform staff confirm with their second factor: a token must not be a way around it.
              rx.cond(S.is_staff_console, text_field(
                  "Authenticator code", "second_factor", error=_err("token.second_factor"), max_length=64,
                  autocomplete="one-time-code", help="The 6-digit code from your app, or a recovery code."))),
        help="Send a token as 'Authorization: Bearer <token>' to the REST API (/api/v1/docs).",
    )


@rx.page(route="/profile", title="Profile · tfai", on_load=S.load)
def profile() -> rx.Component:
    return app_page(
        rx.grid(
            _section("Your name", "names", _form(
                "names", S.save_names, "Save name",
                text_field("First name", "first_name", required=True, default_value=S.first_name,
                           error=_err("names.first_name"), max_length=MAX_NAME, autocomplete="given-name"),
                text_field("Last name", "last_name", required=True, default_value=S.last_name,
                           error=_err("names.last_name"), max_length=MAX_NAME, autocomplete="family-name"))),
            _section("Email", "email", rx.text("Current: ", rx.text.strong(S.user_email), size="2"), _form(
                "email", S.save_email, "Change email",
                text_field("New email", "new_email", type="email", required=True, error=_err("email.new_email"),
                           max_length=MAX_EMAIL, autocomplete="email"),
                text_field("Your password", "password", type="password", required=True,
                           error=_err("email.password"), autocomplete="current-password",
                           max_length=MAX_LOGIN_PASSWORD))),
            _section("Password", "password", _form(
                "password", S.save_password, "Change password",
                text_field("Current password", "current_password", type="password", required=True,
                           error=_err("password.current_password"), autocomplete="current-password",
                           max_length=MAX_LOGIN_PASSWORD),
                text_field("New password", "new_password", type="password", required=True,
                           error=_err("password.new_password"), help="At least 10 characters.",
                           autocomplete="new-password", max_length=MAX_LOGIN_PASSWORD),
                text_field("Repeat the new password", "new_password_confirm", type="password", required=True,
                           error=_err("password.new_password_confirm"), autocomplete="new-password",
                           max_length=MAX_LOGIN_PASSWORD),
                rx.checkbox("Sign out my API tokens too", name="revoke_tokens", default_checked=True,
                            id="revoke-tokens")),
                help="Changing it ends your sessions on other devices; a leaked password may have made a token."),
            rx.cond(S.is_worker, _section(
                "Availability", "available",
                rx.hstack(rx.switch(checked=S.available, on_change=S.toggle_available, id="available-switch"),
                          rx.text(rx.cond(S.available, "Available for new tasks", "Not taking new tasks"),
                                  size="2"), align="center"),
                help="When you are away, new tasks go to your colleagues.")),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        _tokens(),
        title="Profile",
    )
