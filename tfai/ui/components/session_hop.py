"""Full-page hand-off to the session route, written as compiled JavaScript (never eval'd, so the CSP needs no eval)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars.function import FunctionStringVar

from tfai.ui.components.mount_hook import on_new_value
from tfai.ui.state.auth import AuthState

NONCE_URL = "/api/v1/auth/nonce"
LOGOUT_URL = "/api/v1/auth/logout"
# Reflex's per-tab state token in sessionStorage: dropping it makes the next page start from a fresh state.
_FORGET_TAB = "window.sessionStorage.removeItem('token')"
# Each hop URL carries a fresh one-time code: remembering the last one per tab keeps a page that reloads with the
# same state from hopping twice. The code is first bound to this browser (the POST sets the HttpOnly nonce cookie
# the session route asks for; the websocket that brought the code cannot set cookies), then the route is loaded.
_HOP: FunctionStringVar[Any] = FunctionStringVar.create(
    "((url) => { if (url && window.sessionStorage.getItem('tfai-hop') !== url) {"
    " window.sessionStorage.setItem('tfai-hop', url);"
    " const code = new URL(url, window.location.href).searchParams.get('code');"
    f" fetch('{NONCE_URL}', {{method: 'POST', credentials: 'same-origin',"
    " headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code})})"
    f".finally(() => {{ {_FORGET_TAB}; window.location.replace(url); }}); }} }})"
)
# Logout is a same-origin POST (a foreign page can neither post it nor link to it), then the login page.
_LOGOUT: FunctionStringVar[Any] = FunctionStringVar.create(
    f"(() => fetch('{LOGOUT_URL}', {{method: 'POST', credentials: 'same-origin'}})"
    f".finally(() => {{ {_FORGET_TAB}; window.location.assign('/login'); }}))"
)


def session_hop() -> rx.Component:
    """Mounted once a login code is issued: the browser loads the session route, which sets the cookie."""
    return on_new_value(AuthState.hop_url, _HOP.call(AuthState.hop_url), "session-hop")


def go_logout() -> list[EventSpec]:
    """Reset the tab's state, then POST the logout route (it clears the HttpOnly cookie) as compiled JavaScript."""
    handler: Any = AuthState.forget_tab  # an EventHandler: calling it makes the EventSpec
    return [handler(), rx.call_function(_LOGOUT)]
