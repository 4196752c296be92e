"""Refuse cross-site connections to Reflex's event socket and upload endpoint (Origin must be PUBLIC_URL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

PROTECTED_PREFIXES = ("/_event", "/_upload")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased, IDNA-encoded, default ports dropped, loopback names made one.

    Raises ValueError for what is no URL origin at all (a bad port, an unencodable host)."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    host = "localhost" if host in _LOOPBACK else host
    if host and not host.isascii():
        host = host.encode("idna").decode("ascii")
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def same_origin(origin: str, public_url: str) -> bool:
    """Whether an Origin header names the public URL's origin: the one comparison every check uses.

    `null` (sandboxed frames, some redirects) and anything unparsable are foreign."""
    try:
        return origin.strip().lower() != "null" and origin_of(origin) == origin_of(public_url)
    except (ValueError, UnicodeError):
        return False


class OriginCheck:
    """A browser always sends Origin on websocket upgrades and cross-site posts: a foreign one is refused."""

    def __init__(self, app: ASGIApp, *, public_url: Callable[[], str]) -> None:
        self.app, self.public_url = app, public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(PROTECTED_PREFIXES):
            origin = dict(scope.get("headers") or []).get(b"origin")
            if origin is not None and not same_origin(origin.decode("latin-1"), self.public_url()):
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008, "reason": "origin not allowed"})
            return
        body = json.dumps({"error": {"code": "bad_origin", "message": "Cross-origin request refused",
                                     "details": None}}).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
