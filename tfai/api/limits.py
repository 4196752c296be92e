"""ASGI middleware refusing request bodies over the configured size with 413."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tfai.domain.limits import MULTIPART_OVERHEAD_BYTES


class BodyLimit:
    """Refuses by Content-Length, else counts body bytes as they arrive; multipart uploads get the file limit.

    Used twice: on the REST API (/api/) and on Reflex's upload endpoint (/_upload)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int, prefix: str = "/api/") -> None:
        self.app, self.max_bytes, self.max_upload_bytes, self.prefix = app, max_bytes, max_upload_bytes, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.max_upload_bytes + MULTIPART_OVERHEAD_BYTES if ctype.startswith("multipart/") else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        seen = 0
        too_big = started = False

        async def limited_receive() -> Message:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_big = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_big:  # the inner app's answer to a body cut short (a 500 from an error handler) becomes the 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not too_big:
                raise
        if too_big and not started:
            await self._reject(send, limit)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        body = json.dumps({"error": {"code": "payload_too_large",
                                     "message": f"The request body is larger than {limit} bytes",
                                     "details": {"limit": limit}}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
