"""The one Origin comparison, the origins CORS allows, and the refusal of foreign browsers on Reflex's socket/upload."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

PROTECTED_PREFIXES = ("/_event", "/_upload")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
# Fetch metadata: a page of another origin (same-site is a sibling subdomain or another scheme) sent this request.
_FOREIGN_SITES = {"cross-site", "same-site"}


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


def is_foreign(origin: str | None, fetch_site: str | None, public_url: str) -> bool:
    """Whether the browser says another origin sent the request: a foreign `Origin` or `Sec-Fetch-Site`.

    Neither header (a non-browser client, or an address typed into the browser: `Sec-Fetch-Site: none`) is not
    foreign; browsers send Origin on every cross-origin request but a plain navigation, which Sec-Fetch-Site covers."""
    if origin is not None and not same_origin(origin, public_url):
        return True
    return (fetch_site or "").strip().lower() in _FOREIGN_SITES


def allowed_origins(public_url: str) -> tuple[str, ...]:
    """The Origin values CORS and the event socket accept: the public URL's, under each loopback name if local.

    Exact strings, as Starlette's CORS middleware and engine.io compare them; same_origin treats loopback names as
    one, so a development browser on 127.0.0.1 passes both."""
    own = origin_of(public_url)
    parts = urlsplit(own)
    if parts.hostname != "localhost":
        return (own,)
    port = f":{parts.port}" if parts.port is not None else ""
    return tuple(f"{parts.scheme}://{host}{port}" for host in ("localhost", "127.0.0.1", "[::1]"))


class OriginCheck:
    """A browser always sends Origin on websocket upgrades and cross-site posts: a foreign one is refused."""

    def __init__(self, app: ASGIApp, *, public_url: Callable[[], str]) -> None:
        self.app, self.public_url = app, public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(PROTECTED_PREFIXES):
            headers = dict(scope.get("headers") or [])
            origin, site = headers.get(b"origin"), headers.get(b"sec-fetch-site")
            if is_foreign(None if origin is None else origin.decode("latin-1"),
                          None if site is None else site.decode("latin-1"), self.public_url()):
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
