"""JSON log lines carry the request id, company and actor, and never a password or a token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.tenants import World
from tfai.observability.logging import JsonFormatter, configure, redact, redact_text


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_request_lines_carry_request_id_company_and_actor(world: World, client: httpx.AsyncClient,
                                                                auth_headers, captured: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    resp = await client.get("/api/v1/me", headers={**auth_headers(a.admin), "X-Request-ID": "req-abc-123"})
    assert resp.status_code == 200
    assert resp.headers["x-request-id"] == "req-abc-123"
    lines = [line for line in _lines(captured) if line["request_id"] == "req-abc-123"]
    assert lines, captured.getvalue()
    access = next(line for line in lines if line["logger"] == "tfai.http")
    assert access["company_id"] == a.company_id and access["actor"] == a.admin.id
    assert access["status"] == 200 and access["route"] == "/api/v1/me"
    assert {"time", "level", "logger", "message"} <= set(access)


async def test_a_generated_request_id_is_echoed(client: httpx.AsyncClient, captured: io.StringIO) -> None:
    resp = await client.get("/api/v1/healthz", headers={"X-Request-ID": "bad id with spaces"})
    rid = resp.headers["x-request-id"]
    assert rid != "bad id with spaces" and len(rid) == 32
    assert any(line["request_id"] == rid for line in _lines(captured))


async def test_passwords_and_tokens_never_reach_the_logs(world: World, client: httpx.AsyncClient,
                                                         captured: io.StringIO) -> None:
    a = world.a
    secret_password = "Sup3r-secret-Pa55word!"
    bad = await client.post("/api/v1/auth/tokens", json={"email": a.admin.email, "password": secret_password})
    assert bad.status_code in (401, 429)
    good = await client.post("/api/v1/auth/tokens", json={"email": a.admin.email, "password": a.admin.password},
                             headers={"X-Request-ID": "token-req"})
    assert good.status_code == 201, good.text
    token = good.json()["token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    logging.getLogger("tfai.test").warning("signup payload %s", {"email": "x@example.com", "password": secret_password,
                                                                 "api_token": token})
    logging.getLogger("tfai.test").info("header line Authorization: Bearer %s", token,
                                        extra={"cookie": f"tfai_session={token}", "password": secret_password})
    text = captured.getvalue()
    assert text.strip(), "nothing was logged"
    assert any(line["request_id"] == "token-req" for line in _lines(captured))
    for secret in (secret_password, a.admin.password, token):
        assert secret not in text
    assert "[redacted]" in text


async def test_callback_tokens_and_login_codes_never_reach_the_logs(client: httpx.AsyncClient, captured: io.StringIO,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tfai.services.actions import callbacks

    token, code = "cbtok-" + "z" * 40, "logincode-" + "q" * 30
    assert (await client.post(f"/api/v1/callbacks/{token}", json={})).status_code == 404
    await client.get(f"/api/v1/auth/session?code={code}")

    async def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(callbacks, "handle_callback", broken)
    with pytest.raises(RuntimeError):  # the test transport re-raises after the 500 answer was logged
        await client.post(f"/api/v1/callbacks/{token}", json={})
    # The test's own httpx client logs the URLs it requests; the app's lines are the rest.
    text = "\n".join(json.dumps(line) for line in _lines(captured) if line["logger"] != "httpx")
    assert "/api/v1/callbacks/{token}" in text and "unhandled error on POST /api/v1/callbacks/{token}" in text
    assert token not in text and code not in text


def test_outgoing_request_urls_are_not_logged() -> None:
    """httpx logs every request's full URL at INFO: action URLs can carry secrets in their query."""
    handler = configure(fmt="json", level="INFO", stream=io.StringIO())
    try:
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    finally:
        logging.getLogger().removeHandler(handler)


def test_redact_masks_secret_keys_recursively() -> None:
    data = {"user": {"password": "p", "Token": "t", "name": "n"}, "items": [{"Authorization": "Bearer x"}],
            "status_code": 200, "code": "login-code"}
    assert redact(data) == {"user": {"password": "[redacted]", "Token": "[redacted]", "name": "n"},
                            "items": [{"Authorization": "[redacted]"}], "status_code": 200, "code": "[redacted]"}
    assert redact_text('password=hunter2 "token": "abc" ok') == 'password=[redacted] "token": "[redacted]" ok'
    assert "abcdefgh12345" not in redact_text("Authorization: Bearer abcdefgh12345")
