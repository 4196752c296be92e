"""Base state of the designer pages: only workflow creators and admins get in; others go to the dashboard."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain import policy
from tfai.domain.policy import Action, Actor
from tfai.ui.state import toast
from tfai.ui.state.auth import HOME_ROUTE, AuthState

NOT_ALLOWED = "The definitions workspace is for workflow creators and admins."


class DesignerState(AuthState):
    """Adds `_designer()`: the actor when they may read definitions, else None and where to send them."""

    async def _designer(self) -> tuple[Actor | None, Any]:
        actor = await self._guard()
        if actor is None:
            return None, self._to_login()
        if not policy.allowed(actor, Action.DEFINITION_READ):
            return None, [toast.warning(NOT_ALLOWED), rx.redirect(HOME_ROUTE, replace=True)]
        return actor, None

    def _query(self, name: str) -> str:
        """One query parameter or dynamic route argument of the current page (capped), or ""."""
        if self.router is None:
            return ""
        value = self.router.url.query_parameters.get(name) or self.router.page.params.get(name) or ""
        return str(value[0] if isinstance(value, list) and value else value or "")[:200]
