"""State of the profile page: names, email, password, availability and personal API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.limits import API_TOKEN_DEFAULT_DAYS
from tfai.domain.policy import TOKEN_SCOPES, Actor
from tfai.services.accounts import profile, users
from tfai.services.auth import api_tokens, sessions
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message, field_errors
from tfai.ui.state.guard import guarded

# The API's error code when platform staff must give their authenticator or recovery code.
SECOND_FACTOR_REQUIRED = "second_factor_required"
FULL_AUTHORITY = "all you may do"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "never"


def ticked(form_data: Mapping[str, Any], name: str) -> bool:
    """Whether a checkbox was ticked (an unticked one is not submitted at all)."""
    return str(form_data.get(name, "") or "").strip().lower() in ("on", "true")


def token_options(form_data: FormData | Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The new-token form's expiry, scopes and second factor as create_api_token's keywords, and field errors.

    An empty expiry means the default; its range is the service's rule. No scope ticked means None: the token
    carries the user's whole authority."""
    data = form_data if isinstance(form_data, FormData) else FormData(form_data)
    raw_days = str(data.get("expires_in_days", "") or "").strip()
    options: dict[str, Any] = {"second_factor": str(data.get("second_factor", "") or "")[:64]}
    errors: dict[str, str] = {}
    if not raw_days:
        options["expires_in_days"] = API_TOKEN_DEFAULT_DAYS
    elif raw_days.isdigit() and len(raw_days) <= 6:
        options["expires_in_days"] = int(raw_days)
    else:
        errors["expires_in_days"] = "Enter a whole number of days"
    scopes = sorted({str(v)[:40] for v in data.getlist("scopes") if str(v)})
    options["scopes"] = scopes or None
    return options, errors


def token_row(t: api_tokens.ApiTokenDTO) -> dict[str, str]:
    """What the token list shows of one token (never the token itself)."""
    return {"id": str(t.id), "name": t.name, "scopes": ", ".join(t.scopes) if t.scopes else FULL_AUTHORITY,
            "created": _when(t.created_at), "expires": _when(t.expires_at), "last_used": _when(t.last_used_at)}


class ProfileState(AuthState):
    """One error/notice slot per form, keyed 'form' and 'form.field'; secrets never stored."""

    first_name: str = ""
    last_name: str = ""
    available: bool = True
    tokens: list[dict[str, str]] = []
    token_scopes: list[str] = list(TOKEN_SCOPES)
    default_days: int = API_TOKEN_DEFAULT_DAYS
    new_token: str = ""
    errors: dict[str, str] = {}
    notices: dict[str, str] = {}
    busy: str = ""
    form_key: int = 0

    async def _reload(self, actor: Actor) -> None:
        me = await profile.get_me(actor)
        self.first_name, self.last_name, self.available = me.first_name, me.last_name, me.available
        tokens = await api_tokens.list_api_tokens(actor)
        self.tokens = [token_row(t) for t in tokens]
        self.form_key += 1

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> Any:
        self.errors, self.notices, self.new_token, self.busy = {}, {}, "", ""
        await self._reload(actor)
        return None

    def _fail(self, form: str, exc: TfaiError) -> None:
        fields = field_errors(exc)
        if exc.code == SECOND_FACTOR_REQUIRED:  # a missing or wrong code belongs under the code's field
            fields["second_factor"] = exc.message
        self.errors = {form: error_message(exc), **{f"{form}.{k}": v for k, v in fields.items()}}
        self.notices = {}

    def _ok(self, form: str, message: str) -> None:
        self.errors, self.notices = {}, {form: message}

    @guarded()
    async def _run(self, actor: Actor, form: str, call: Any, message: str) -> Any:
        """Run one service call, reload, and show the result; yields for the loading state."""
        self.busy = form
        yield
        try:
            await call(actor)
            await self._reload(await self._guard() or actor)
        except TfaiError as exc:
            self._fail(form, exc)
        else:
            self._ok(form, message)
        finally:
            self.busy = ""

    @rx.event
    async def save_names(self, form_data: dict[str, Any]) -> Any:
        first, last = str(form_data.get("first_name", ""))[:200], str(form_data.get("last_name", ""))[:200]
        async for step in self._run("names", lambda a: profile.update_profile(a, first_name=first, last_name=last),
                                    "Your name is saved."):
            yield step

    @rx.event
    async def save_email(self, form_data: dict[str, Any]) -> Any:
        email, password = str(form_data.get("new_email", ""))[:300], str(form_data.get("password", ""))[:1024]
        async for step in self._run("email", lambda a: profile.change_email(a, new_email=email, password=password),
                                    "Your email is changed."):
            yield step

    @rx.event
    async def save_password(self, form_data: dict[str, Any]) -> Any:
        current = str(form_data.get("current_password", ""))[:1024]
        new, again = str(form_data.get("new_password", ""))[:1024], str(form_data.get("new_password_confirm", ""))
        if new != again:
            self.errors = {"password": "Please correct the highlighted fields.",
                           "password.new_password_confirm": "The passwords do not match"}
            return
        keep = sessions.session_cookie_value(self.router.headers.cookie if self.router is not None else None)
        revoke = ticked(form_data, "revoke_tokens")  # the page ticks it by default

        async def call(actor: Actor) -> None:
            await profile.change_password(actor, current_password=current, new_password=new,
                                           keep_session_token=keep, revoke_tokens=revoke)

        done = "Your password is changed; your other sessions have ended" + (
            " and your API tokens are revoked." if revoke else ".")
        async for step in self._run("password", call, done):
            yield step

    @rx.event
    async def toggle_available(self, value: bool) -> Any:
        async for step in self._run(
                "available", lambda a: users.update_user(a, a.user_id, available=bool(value)),
                "You are available for new tasks." if value else "You will not get new tasks."):
            yield step

    @rx.event
    async def create_token(self, form_data: FormData) -> Any:  # FormData keeps every ticked scope
        name, password = str(form_data.get("name", ""))[:200], str(form_data.get("password", ""))[:1024]
        options, problems = token_options(form_data)
        if problems:
            self.errors = {"token": "Please correct the highlighted fields.",
                           **{f"token.{k}": v for k, v in problems.items()}}
            self.notices = {}
            return
        created: list[str] = []

        async def call(actor: Actor) -> None:
            created.append(await api_tokens.create_api_token(actor.email, password, name=name, ip=self._client_ip(),
                                                             **options))

        async for step in self._run("token", call, "Copy the token now: it is shown only once."):
            yield step
        self.new_token = created[0] if created else ""

    @rx.event
    async def revoke_token(self, token_id: str) -> Any:
        tid = int(token_id) if str(token_id).isdigit() else 0
        async for step in self._run("tokens", lambda a: api_tokens.revoke_api_token(a, tid), "The token is revoked."):
            yield step

    @rx.event
    def hide_token(self) -> None:
        self.new_token = ""
