"""ASGI middleware: request id and log context, HTTP metrics, and the protected /metrics endpoint."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tfai.observability import metrics
from tfai.observability.client_ip import from_scope
from tfai.observability.logging import actor_var, company_id_var, new_request_id, request_id_var
from tfai.settings import get_settings

log = logging.getLogger("tfai.http")
METRICS_PATH = "/metrics"


def route_template(scope: Scope) -> str:
    """The matched route's template (/api/v1/tickets/{ticket_id}); pages and assets collapse to one label each."""
    route = scope.get("route")
    path_format = getattr(route, "path_format", None)
    path: str = scope.get("path", "")
    if isinstance(path_format, str) and path_format.startswith("/") and type(route).__name__ != "Mount":
        return _with_prefix(path, path_format)
    if path.startswith("/api/"):
        return "/api/unmatched"
    if path.startswith("/assets/") or "." in path.rsplit("/", 1)[-1]:
        return "/{asset}"
    return "/{page}"


def _with_prefix(path: str, template: str) -> str:
    """Included routers keep their prefix out of the route's template: take it back from the request path."""
    if ":path}" in template or path == template:
        return template
    depth = template.rstrip("/").count("/")
    parts = path.rstrip("/").split("/")
    prefix = "/".join(parts[: len(parts) - depth]) if depth and len(parts) > depth else ""
    return prefix + template if prefix.startswith("/") else template


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_allowed(scope: Scope) -> bool:
    """`Authorization: Bearer TFAI_METRICS_TOKEN`; in development also loopback clients without a forwarding header.

    Production always asks for the token (settings refuse to start without one): behind a proxy on the same host
    every request would otherwise look local.
    """
    headers = dict(scope.get("headers") or [])
    settings = get_settings()
    token = settings.metrics_token
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if token and auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip(), token):
        return True
    if settings.env == "production":
        return False
    return _is_loopback(from_scope(scope)) and b"x-forwarded-for" not in headers


async def _answer(send: Send, status: int, body: bytes, ctype: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


async def metrics_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """GET /metrics in the Prometheus text format; 403 for everyone else."""
    if not metrics_allowed(scope):
        await _answer(send, 403, b'{"error":{"code":"forbidden","message":"metrics are private","details":null}}',
                      b"application/json")
        return
    body = (await metrics.render()).encode()
    await _answer(send, 200, body, b"text/plain; version=0.0.4; charset=utf-8")


class RequestContext:
    """Gives every request an id (X-Request-ID in, or a new one; echoed back), logs and counts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = new_request_id(headers.get(b"x-request-id", b"").decode("latin-1"))
        tokens = (request_id_var.set(rid), company_id_var.set(None), actor_var.set(None))
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            elif scope["path"] == METRICS_PATH:
                await metrics_endpoint(scope, receive, send)
            else:
                await self._http(scope, receive, send, rid)
        finally:
            request_id_var.reset(tokens[0])
            company_id_var.reset(tokens[1])
            actor_var.reset(tokens[2])

    async def _http(self, scope: Scope, receive: Receive, send: Send, rid: str) -> None:
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*(h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            metrics.observe_request(scope.get("method", "GET"), route, status, elapsed)
            if route.startswith("/api/"):
                log.info("%s %s %s", scope.get("method"), route, status,
                         extra={"status": status, "duration_ms": round(elapsed * 1000, 1), "route": route,
                                "client_ip": from_scope(scope)})
