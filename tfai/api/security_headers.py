"""ASGI middleware adding security headers (CSP with hashes of the pages' inline scripts) to every response."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tfai.domain.limits import MAX_HTML_BYTES
from tfai.settings import get_settings

log = logging.getLogger(__name__)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "interest-cohort=(), browsing-topics=()")


def websocket_origins(public_url: str) -> list[str]:
    """ws:// and wss:// origins of the public URL (Reflex's event socket), for connect-src."""
    parts = urlsplit(public_url)
    if not parts.netloc:
        return []
    return [f"wss://{parts.netloc}"] if parts.scheme == "https" else [f"ws://{parts.netloc}", f"wss://{parts.netloc}"]


def script_hashes(html: bytes) -> list[str]:
    """'sha256-…' sources for every inline <script> of a page (the build's own, never user content)."""
    return sorted({"'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
                   for m in _INLINE_SCRIPT.finditer(html)})


def content_security_policy(public_url: str, hashes: list[str] | None = None) -> str:
    """Same-origin scripts (+ the page's inline-script hashes), inline styles (emotion, Radix), the event socket.

    No other origin, the API docs page included (its Swagger UI assets are served by the app: tfai/api/docs.py).
    """
    script = ["'self'", *(hashes or [])]  # no 'unsafe-eval': the app never uses rx.call_script
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *websocket_origins(public_url)],
        "worker-src": ["'self'", "blob:"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def static_headers(public_url: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"),
               (b"x-frame-options", b"DENY"), (b"permissions-policy", PERMISSIONS_POLICY.encode()),
               (b"cross-origin-opener-policy", b"same-origin")]
    if public_url.startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


_OWN = {b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"x-frame-options",
        b"permissions-policy", b"cross-origin-opener-policy", b"strict-transport-security"}


class SecurityHeaders:
    """Adds the headers to every HTTP response; HTML pages are buffered to hash their inline scripts."""

    def __init__(self, app: ASGIApp, *, public_url: str | None = None) -> None:
        self.app = app
        self.public_url = public_url if public_url is not None else get_settings().public_url
        self.fixed = static_headers(self.public_url)
        self.csp = content_security_policy(self.public_url).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(("/api/", "/assets/")):
            scope = {**scope, "headers": _gzip_only(scope.get("headers") or [])}
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _OWN]
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if message.get("status") == 304:
                    # A revalidated page keeps the policy it was first served with: headers of a 304 replace the
                    # cached ones, and a policy without that page's script hashes would block its scripts.
                    await send({**message, "headers": [*headers, *self.fixed]})
                    return
                if ctype.startswith(b"text/html") and scope.get("method") != "HEAD":
                    start = {**message, "headers": headers}
                    return
                await send({**message, "headers": [*headers, *self.fixed, (b"content-security-policy", self.csp)]})
                return
            if start is not None and message["type"] == "http.response.pathsend":  # granian serving a file
                await self._send_html(send, start, _read_file(message["path"]), more=False, body_message=message)
                start = None
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) and sum(map(len, chunks)) <= MAX_HTML_BYTES:
                return
            await self._send_html(send, start, b"".join(chunks), more=message.get("more_body", False))
            start = None

        await self.app(scope, receive, wrapped)

    async def _send_html(self, send: Send, start: Message, body: bytes, *, more: bool,
                         body_message: Message | None = None) -> None:
        encoding = next((v for k, v in start["headers"] if k.lower() == b"content-encoding"), b"").lower()
        try:
            plain = gzip.decompress(body) if encoding == b"gzip" else body
            hashes = script_hashes(plain)
            csp = content_security_policy(self.public_url, hashes).encode() if not more else self.csp
        except (OSError, EOFError):
            log.warning("could not read an HTML response to hash its scripts")
            csp = self.csp
        await send({**start, "headers": [*start["headers"], *self.fixed, (b"content-security-policy", csp)]})
        await send(body_message or {"type": "http.response.body", "body": body, "more_body": more})


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as f:  # noqa: ASYNC230 - a small prerendered page, read once
            return f.read(MAX_HTML_BYTES)
    except OSError:
        return b""


def _gzip_only(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Pages may come precompressed; keep gzip (which can be read to hash scripts) and drop br/zstd."""
    out = [(k, v) for k, v in headers if k.lower() != b"accept-encoding"]
    accepted = b",".join(v for k, v in headers if k.lower() == b"accept-encoding").lower()
    if b"gzip" in accepted:
        out.append((b"accept-encoding", b"gzip"))
    return out


def harden(app: ASGIApp, *, configure_logs: bool = True) -> ASGIApp:
    """The whole app behind security headers, request ids, structured-log context, metrics and /metrics.

    Also sets up this (web) process's logging (TFAI_LOG_FORMAT) unless configure_logs is False.
    """
    from tfai.observability import logging as obs_logging
    from tfai.observability.middleware import RequestContext

    if configure_logs:
        obs_logging.configure(level=get_settings().log_level)
    return SecurityHeaders(RequestContext(app))
