"""The client address: X-Forwarded-For counts only through TFAI_TRUSTED_PROXIES, the same for API, UI and logs."""

from __future__ import annotations

import io
import ipaddress
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest
from starlette.requests import Request

from tfai.api.deps import client_ip
from tfai.observability.client_ip import derive
from tfai.observability.logging import JsonFormatter

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32")]


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert derive("203.0.113.9", "198.51.100.1", PROXIES) == "203.0.113.9"
    assert derive("203.0.113.9", "198.51.100.1", []) == "203.0.113.9"  # the default: no proxy is trusted


def test_through_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    # The client forged the first entry; our two proxies appended what they saw.
    assert derive("10.0.0.2", "1.1.1.1, 198.51.100.7, 10.0.0.1", PROXIES) == "198.51.100.7"
    assert derive("2001:db8::1", "[2001:db8::2]:443, 198.51.100.7:5000", PROXIES) == "198.51.100.7"
    assert derive("10.0.0.2", "10.0.0.3", PROXIES) == "10.0.0.3"  # only proxies: the leftmost one
    assert derive("10.0.0.2", "bogus, 198.51.100.7", PROXIES) == "198.51.100.7"
    assert derive("10.0.0.2", "198.51.100.7, bogus", PROXIES) == "10.0.0.2"  # unreadable: stop at our proxy
    assert derive("10.0.0.2", None, PROXIES) == "10.0.0.2"


def _request(peer: str, forwarded: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"x-forwarded-for", forwarded.encode())],
                    "client": (peer, 5000)})


def _ui_state(peer: str, forwarded: str) -> object:
    headers = SimpleNamespace(raw_headers={"x-forwarded-for": forwarded})
    return SimpleNamespace(router=SimpleNamespace(session=SimpleNamespace(client_ip=peer), headers=headers))


def test_api_and_ui_derive_the_same_address(setting) -> None:  # type: ignore[no-untyped-def]
    from tfai.ui.state.auth import AuthState

    ui_client_ip = AuthState.__dict__["_client_ip"]
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert ui_client_ip(_ui_state("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    setting(trusted_proxies="203.0.113.0/24")
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "198.51.100.1"
    assert ui_client_ip(_ui_state("203.0.113.9", "198.51.100.1")) == "198.51.100.1"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tfai.http")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


def _client_ips(stream: io.StringIO) -> list[object]:
    return [json.loads(line).get("client_ip") for line in stream.getvalue().splitlines() if line.strip()]


async def test_the_request_log_uses_the_derived_address(remote_client: httpx.AsyncClient, captured: io.StringIO,
                                                        setting) -> None:  # type: ignore[no-untyped-def]
    spoof = {"X-Forwarded-For": "198.51.100.1"}
    assert (await remote_client.get("/api/v1/healthz", headers=spoof)).status_code == 200
    setting(trusted_proxies="203.0.113.0/24")
    assert (await remote_client.get("/api/v1/healthz", headers=spoof)).status_code == 200
    assert _client_ips(captured) == ["203.0.113.9", "198.51.100.1"]


async def test_metrics_in_production_need_the_token_even_from_loopback(client: httpx.AsyncClient, setting) -> None:  # type: ignore[no-untyped-def]
    token = "t" * 32
    setting(env="production", secret_key="s" * 40, password_hash_cost="standard", public_url="https://tfai.example.com",
            metrics_token=token, app_database_url="postgresql://tfai_app:app-pw@127.0.0.1/tfai")
    assert (await client.get("/metrics")).status_code == 403
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
    assert (await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})).status_code == 200
