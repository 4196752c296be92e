"""Standard Webhooks for action requests: the message id, secrets, and v1 (HMAC-SHA256) signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from tfai.domain.limits import SIGNATURE_TOLERANCE_SECONDS

SECRET_PREFIX = "whsec_"
WEBHOOK_ID_PREFIX = "msg_"


class InvalidSignature(Exception):
    """The headers do not prove the body came from the holder of the secret."""


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form: whsec_ + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def webhook_id(company_id: int, task_id: int, *, key: str) -> str:
    """The message id of one task: stable across every attempt and retry (the receiver's idempotency key).

    The tag is keyed with the server's secret `key`, so a receiver cannot guess another company's ids.
    """
    tag = hmac.new(key.encode(), f"webhook:{company_id}:{task_id}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{WEBHOOK_ID_PREFIX}{task_id}_{tag}"


def _key(secret: str) -> bytes:
    """The HMAC key: the base64 payload of a whsec_ secret, else the secret's UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
        except ValueError:
            pass
    return secret.encode("utf-8")


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def sign_headers(secret: str, msg_id: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": signature(secret, msg_id, ts, body)}


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
           now: float | None = None) -> None:
    """Raise InvalidSignature unless one v1 signature matches and the timestamp is recent."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, ts_text, sigs = (lower.get("webhook-id"), lower.get("webhook-timestamp"),
                             lower.get("webhook-signature"))
    if not msg_id or not ts_text or not sigs:
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        ts = int(ts_text)
    except ValueError as exc:
        raise InvalidSignature("webhook-timestamp is not an integer") from exc
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise InvalidSignature("webhook-timestamp is outside the tolerance")
    expected = signature(secret, msg_id, ts, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in sigs.split()):
        raise InvalidSignature("no signature matches")
