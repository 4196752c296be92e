"""Company sign-up: the company, its first admin, then straight into the dashboard."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_COMPANY_NAME, MAX_EMAIL, MAX_LOGIN_PASSWORD, MAX_NAME
from tfai.services.accounts import registration
from tfai.services.auth import sessions
from tfai.ui.components.forms import error_summary, submit_button, text_field
from tfai.ui.components.layout import public_page
from tfai.ui.state.auth import HOME_ROUTE, AuthState
from tfai.ui.state.form_values import error_message, field_errors

FIELDS = ("company_name", "email", "first_name", "last_name", "password")


class SignupState(AuthState):
    """The sign-up form with per-field errors; the password is never stored in state."""

    signup_error: str = ""
    signup_busy: bool = False
    errors: dict[str, str] = {}

    @rx.event
    async def load(self) -> Any:
        self.signup_error, self.signup_busy, self.errors = "", False, {}
        if await self._actor() is not None:
            return rx.redirect(HOME_ROUTE, replace=True)
        return None

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> Any:
        values = {k: str(form_data.get(k, ""))[:1024] for k in FIELDS}
        errors = {k: "This field is required" for k, v in values.items() if not v.strip()}
        if values["password"] != str(form_data.get("password_confirm", "")):
            errors.setdefault("password_confirm", "The passwords do not match")
        self.errors, self.signup_error = errors, ""
        if errors:
            self.signup_error = "Please correct the highlighted fields."
            return
        self.signup_busy = True
        yield
        try:
            result = await registration.signup(
                company_name=values["company_name"].strip(), email=values["email"].strip(),
                password=values["password"], first_name=values["first_name"].strip(),
                last_name=values["last_name"].strip(), ip=self._client_ip())
            code = await sessions.issue_login_code(result.user_id, result.company_id)
        except TfaiError as exc:
            self.errors, self.signup_error, self.signup_busy = field_errors(exc), error_message(exc), False
            return
        self.signup_busy = False
        await self._start_session_hop(code, HOME_ROUTE)


def _err(name: str) -> Any:
    return SignupState.errors.get(name, "")


@rx.page(route="/signup", title="Create your company · tfai", on_load=SignupState.load)
def signup() -> rx.Component:
    return public_page(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Create your company", size="6"),
                    rx.text("You become its first administrator.", size="2", color_scheme="gray"),
                    error_summary(SignupState.signup_error),
                    text_field("Company name", "company_name", required=True, error=_err("company_name"),
                               max_length=MAX_COMPANY_NAME, autocomplete="organization"),
                    rx.grid(
                        text_field("First name", "first_name", required=True, error=_err("first_name"),
                                   max_length=MAX_NAME, autocomplete="given-name"),
                        text_field("Last name", "last_name", required=True, error=_err("last_name"),
                                   max_length=MAX_NAME, autocomplete="family-name"),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                    ),
                    text_field("Email", "email", type="email", required=True, error=_err("email"),
                               max_length=MAX_EMAIL, autocomplete="email"),
                    text_field("Password", "password", type="password", required=True, error=_err("password"),
                               help="At least 10 characters; avoid common passwords.", max_length=MAX_LOGIN_PASSWORD,
                               autocomplete="new-password"),
                    text_field("Repeat the password", "password_confirm", type="password", required=True,
                               error=_err("password_confirm"), max_length=MAX_LOGIN_PASSWORD,
                               autocomplete="new-password"),
                    submit_button("Create company", loading=SignupState.signup_busy, width="100%", size="3"),
                    rx.text("Already have an account? ", rx.link("Log in", href="/login"), size="2"),
                    spacing="4", width="100%",
                ),
                on_submit=SignupState.submit, reset_on_submit=False, id="signup-form",
            ),
            width="100%", max_width="520px", margin_x="auto", padding="1.5em",
        ),
    )
