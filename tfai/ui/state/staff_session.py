"""The staff banner's Exit: end the grant and switch the session back to the staff member's own identity."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.staff import access
from tfai.ui.state import toast
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded

CONSOLE_ROUTE = "/staff"


class StaffSessionState(AuthState):
    """Exit is on every page (in the banner); the grant comes from the session, never from the browser."""

    @rx.event
    @guarded()
    async def exit_grant(self, actor: Actor) -> Any:
        if actor.staff is None:
            return rx.redirect(CONSOLE_ROUTE)
        try:
            await access.end_grant(actor)
            code = await access.switch_code(actor, grant_id=None)
        except TfaiError as exc:
            return toast.error(error_message(exc))
        await self._start_session_hop(code, CONSOLE_ROUTE)
        return None
