"""Set a password with a one-time link an admin handed over (/set-password?token=...)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_LOGIN_PASSWORD
from tfai.services.accounts import users
from tfai.ui.components.forms import error_summary, submit_button, success_note, text_field
from tfai.ui.components.layout import public_page
from tfai.ui.state.form_values import error_message, field_errors


class SetPasswordState(rx.State):
    """The token is read from the URL on submit and never kept in state."""

    error: str = ""
    errors: dict[str, str] = {}
    done: bool = False
    busy: bool = False

    @rx.event
    def load(self) -> None:
        self.error, self.errors, self.done, self.busy = "", {}, False, False

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> Any:
        password = str(form_data.get("password", ""))[:1024]
        if password != str(form_data.get("password_confirm", "")):
            self.error, self.errors = "Please correct the highlighted fields.", {
                "password_confirm": "The passwords do not match"}
            return
        token = (self.router.url.query_parameters.get("token", "") if self.router is not None else "")[:200]
        self.busy, self.error, self.errors = True, "", {}
        yield
        try:
            await users.set_password_with_token(token, password)
        except TfaiError as exc:
            self.error, self.errors = error_message(exc), field_errors(exc)
        else:
            self.done = True
        finally:
            self.busy = False


@rx.page(route="/set-password", title="Set your password · tfai", on_load=SetPasswordState.load)
def set_password() -> rx.Component:
    s = SetPasswordState
    return public_page(
        rx.card(rx.vstack(
            rx.heading("Set your password", size="6"),
            rx.cond(
                s.done,
                rx.vstack(success_note("Your password is set."), rx.button("Log in", on_click=rx.redirect("/login"))),
                rx.form(rx.vstack(
                    error_summary(s.error),
                    text_field("New password", "password", type="password", required=True,
                               error=s.errors.get("password", ""), help="At least 10 characters.",
                               autocomplete="new-password", max_length=MAX_LOGIN_PASSWORD),
                    text_field("Repeat the password", "password_confirm", type="password", required=True,
                               error=s.errors.get("password_confirm", ""), autocomplete="new-password",
                               max_length=MAX_LOGIN_PASSWORD),
                    submit_button("Set password", loading=s.busy, width="100%"),
                    spacing="4", width="100%"), on_submit=s.submit, reset_on_submit=False),
            ),
            spacing="4", width="100%"), width="100%", max_width="440px", margin_x="auto", padding="1.5em"),
    )
