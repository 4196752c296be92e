"""Full-page hand-off to the session route, written as compiled JavaScript (never eval'd, so the CSP needs no eval)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars.function import FunctionStringVar

from tfai.ui.components.mount_hook import on_new_value
from tfai.ui.state.auth import AuthState

# Each hop URL carries a fresh one-time code: remembering the last one per tab keeps a page that reloads with the
# same state (Reflex keeps a tab's state across loads) from hopping twice.
_HOP: FunctionStringVar[Any] = FunctionStringVar.create(
    "((url) => { if (url && window.sessionStorage.getItem('tfai-hop') !== url) {"
    " window.sessionStorage.setItem('tfai-hop', url); window.location.replace(url); } })"
)
LOGOUT_URL = "/api/v1/auth/logout"


def session_hop() -> rx.Component:
    """Mounted once a login code is issued: the browser loads the session route, which sets the cookie."""
    return on_new_value(AuthState.hop_url, _HOP.call(AuthState.hop_url), "session-hop")


def go_logout() -> EventSpec:
    """A full page load of the logout route (it clears the HttpOnly cookie), as compiled JavaScript."""
    return rx.call_function(FunctionStringVar.create(f"(() => window.location.assign('{LOGOUT_URL}'))"))
