"""State of the company settings page: the webhook signing secret, masked until revealed, rotated on confirmation."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain import webhooks
from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.actions import callbacks
from tfai.ui.state import toast
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded

MASK = "•" * 24


def masked(secret: str) -> str:
    """The secret with everything but its Standard Webhooks prefix and last four characters hidden."""
    prefix = webhooks.SECRET_PREFIX if secret.startswith(webhooks.SECRET_PREFIX) else ""
    return prefix + MASK + (secret[-4:] if len(secret) > 10 else "")


class AdminSettingsState(AuthState):
    """The full secret is only in a browser var while the admin has chosen to reveal it."""

    masked_secret: str = ""
    secret: str = ""
    revealed: bool = False
    loading: bool = False
    loaded: bool = False
    rotating: bool = False
    error: str = ""

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> Any:
        self.secret, self.revealed, self.error, self.loading = "", False, "", True
        yield
        try:
            self.masked_secret = masked(await callbacks.get_webhook_secret(actor))
        except TfaiError as exc:
            self.masked_secret, self.error = "", error_message(exc)
        finally:
            self.loading, self.loaded = False, True

    @rx.event
    async def toggle_reveal(self) -> Any:
        if self.revealed:
            self.secret, self.revealed = "", False
            return None
        return await self._reveal()

    @rx.event
    def hide_secret(self) -> None:
        """Forget a revealed secret (leaving the page)."""
        self.secret, self.revealed = "", False

    @guarded()
    async def _reveal(self, actor: Actor) -> Any:
        try:
            self.secret = await callbacks.get_webhook_secret(actor)
        except TfaiError as exc:
            return toast.error(error_message(exc))
        self.revealed = True
        return None

    @rx.event
    @guarded()
    async def rotate(self, actor: Actor) -> Any:
        self.rotating = True
        yield
        try:
            secret = await callbacks.rotate_webhook_secret(actor)
        except TfaiError as exc:
            self.rotating = False
            yield toast.error(error_message(exc))
            return
        self.rotating, self.masked_secret = False, masked(secret)
        self.secret, self.revealed = "", False
        yield toast.success("The signing secret is rotated. Requests are signed with the new one from now on.")
