"""The login page: email and password, then the session route sets the HttpOnly cookie."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_EMAIL, MAX_LOGIN_PASSWORD
from tfai.services.auth import sessions
from tfai.ui.components.forms import error_summary, submit_button, text_field
from tfai.ui.components.layout import public_page
from tfai.ui.state.auth import AuthState, safe_next
from tfai.ui.state.form_values import error_message


class LoginState(AuthState):
    """The login form; the password is never stored in state."""

    login_error: str = ""
    login_busy: bool = False
    # Set when the server answers second_factor_required (platform staff): the form then asks for the code.
    needs_code: bool = False

    @rx.event
    async def load(self) -> Any:
        params = self.router.url.query_parameters if self.router is not None else {}
        expired = params.get("error") == "expired"
        self.login_error = "The login took too long; please log in again." if expired else ""
        self.login_busy, self.needs_code = False, False
        if await self._actor() is not None:
            return rx.redirect(self._next_path(), replace=True)
        return None

    def _next_path(self) -> str:
        params = self.router.url.query_parameters if self.router is not None else {}
        return safe_next(params.get("next"))

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> Any:
        self.login_error, self.login_busy = "", True
        yield
        try:
            code = await sessions.start_login(str(form_data.get("email", ""))[:254],
                                          str(form_data.get("password", ""))[:1024], ip=self._client_ip(),
                                          second_factor=str(form_data.get("second_factor", ""))[:64])
        except TfaiError as exc:
            self.login_error, self.login_busy = error_message(exc), False
            self.needs_code = self.needs_code or exc.code == "second_factor_required"  # the API's error code
            return
        self.login_busy = False
        await self._start_session_hop(code, self._next_path())


@rx.page(route="/login", title="Log in · tfai", on_load=LoginState.load)
def login() -> rx.Component:
    return public_page(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Log in", size="6"),
                    error_summary(LoginState.login_error),
                    text_field("Email", "email", type="email", required=True, autocomplete="username",
                               max_length=MAX_EMAIL),
                    text_field("Password", "password", type="password", required=True,
                               autocomplete="current-password", max_length=MAX_LOGIN_PASSWORD),
                    rx.cond(LoginState.needs_code, text_field(
                        "Authenticator code", "second_factor", autocomplete="one-time-code", max_length=64,
                        help="The 6-digit code from your authenticator app, or one of your recovery codes.")),
                    submit_button("Log in", loading=LoginState.login_busy, width="100%", size="3"),
                    rx.text("New here? ", rx.link("Create your company", href="/signup"), size="2"),
                    spacing="4", width="100%",
                ),
                on_submit=LoginState.submit, reset_on_submit=False, id="login-form",
            ),
            width="100%", max_width="420px", margin_x="auto", padding="1.5em",
        ),
    )
