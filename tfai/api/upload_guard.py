"""Reflex's /_upload acts only for the browser whose own session cookie is the one its tab's state runs with."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

UPLOAD_PATH = "/_upload"


class UploadSession:
    """An upload names a tab only by its client token and carries no router data, so Reflex runs the handler with
    whatever Cookie that tab's websocket last sent: anyone holding the token would act as its user and get the
    state's changes streamed back. Before Reflex sees the request, its own session cookie must be a live session
    and the very cookie of the tab's state; else 401/403, and nothing is read, run or sent back."""

    def __init__(self, app: ASGIApp, *, tab_cookie: Callable[[str], Awaitable[str | None]]) -> None:
        self.app, self.tab_cookie = app, tab_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        from tfai.services.auth import sessions

        headers = Headers(scope=scope)
        own = sessions.session_cookie_value(headers.get("cookie"))
        if own is None or await sessions.actor_from_cookie_header(headers.get("cookie")) is None:
            await _refuse(send, 401, "unauthorized", "Log in to upload files")
            return
        token = headers.get("reflex-client-token", "")
        tab = sessions.session_cookie_value(await self.tab_cookie(token)) if token else None
        if tab is None or not hmac.compare_digest(own.encode(), tab.encode()):
            await _refuse(send, 403, "forbidden", "This upload does not belong to your session")
            return
        await self.app(scope, receive, send)


def reflex_tab_cookie(app: Any) -> Callable[[str], Awaitable[str | None]]:
    """The Cookie header the tab's websocket last sent (kept in its root state's router data), from the state
    manager of the Reflex app `app`."""

    async def lookup(client_token: str) -> str | None:
        from reflex.istate.manager.token import BaseStateToken
        from reflex.state import State

        root = await app.state_manager.get_state(BaseStateToken(ident=client_token, cls=State))
        return str(root.router.headers.cookie or "") or None

    return lookup


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "details": None}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
