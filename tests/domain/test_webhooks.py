"""Standard Webhooks signatures: known vector, verification, tampering, tolerance, stable ids."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from tfai.domain.webhooks import InvalidSignature, new_secret, sign_headers, signature, verify, webhook_id


def test_signature_is_hmac_sha256_of_id_timestamp_body() -> None:
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000.{\"a\":1}", hashlib.sha256).digest()).decode()
    assert signature(secret, "msg_1", 1700000000, b'{"a":1}') == "v1," + expected
    plain = base64.b64encode(hmac.new(b"plain-secret", b"m.1.x", hashlib.sha256).digest()).decode()
    assert signature("plain-secret", "m", 1, b"x") == "v1," + plain


def test_verify_accepts_own_headers_and_rejects_tampering() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret) < 128
    headers = sign_headers(secret, "msg_9", b'{"x":1}')
    verify(secret, headers, b'{"x":1}')
    verify(secret, {k.upper(): v for k, v in headers.items()}, b'{"x":1}')
    with pytest.raises(InvalidSignature):
        verify(secret, headers, b'{"x":2}')
    with pytest.raises(InvalidSignature):
        verify(new_secret(), headers, b'{"x":1}')
    with pytest.raises(InvalidSignature):
        verify(secret, {**headers, "webhook-id": "msg_10"}, b'{"x":1}')
    with pytest.raises(InvalidSignature):
        verify(secret, {"webhook-id": "msg_9"}, b'{"x":1}')


def test_old_timestamps_are_refused() -> None:
    headers = sign_headers("s", "msg_1", b"{}", timestamp=1_000)
    verify("s", headers, b"{}", now=1_100)
    with pytest.raises(InvalidSignature):
        verify("s", headers, b"{}", now=10_000)


def test_webhook_id_is_stable_per_task_and_distinct_between_tasks_and_keys() -> None:
    assert webhook_id(1, 7, key="k") == webhook_id(1, 7, key="k")
    assert webhook_id(1, 7, key="k") != webhook_id(1, 8, key="k")
    assert webhook_id(1, 7, key="k") != webhook_id(2, 7, key="k")
    assert webhook_id(1, 7, key="k") != webhook_id(1, 7, key="other")
    assert webhook_id(1, 7, key="k").startswith("msg_7_")
    assert len(webhook_id(10**12, 10**15, key="k")) <= 64  # action_attempts.webhook_id is VARCHAR(64)
