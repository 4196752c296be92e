"""SSRF-safe POST: the refusal matrix, redirects, size and depth caps, timeouts, pinning to the checked IP."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.external_server import ExternalServer, Reply
from tfai.domain.network import address_problem, check_action_url
from tfai.worker.http import ActionRequestError, TargetRefused, checked_addresses, post_json

REFUSED = [
    ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("https://0x7f000001/hook", "0x7f000001 resolves to 127.0.0.1, a loopback address"),
    ("https://2130706433/hook", "resolves to 127.0.0.1, a loopback address"),
    ("https://127.1/hook", "resolves to 127.0.0.1, a loopback address"),
    ("https://[::1]/hook", "::1 is a loopback address"),
    ("https://[::ffff:127.0.0.1]/hook", "IPv6 form of 127.0.0.1, a loopback address"),
    ("https://[::ffff:a9fe:a9fe]/hook", "IPv6 form of 169.254.169.254, a link-local address"),
    ("https://[64:ff9b::a00:1]/hook", "IPv6 form of 10.0.0.1, a private address"),
    ("https://10.0.0.1/hook", "10.0.0.1 is a private address"),
    ("https://192.168.1.10/hook", "a private address"),
    ("https://172.16.5.4/hook", "a private address"),
    ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
    ("https://100.64.0.1/hook", "100.64.0.1 is a carrier-grade NAT (100.64/10) address"),
    ("https://0.0.0.0/hook", "an unspecified"),
    ("https://224.0.0.1/hook", "a multicast address"),
    ("https://[fd12:3456::1]/hook", "a unique-local address"),
    ("https://[fe80::1]/hook", "a link-local address"),
    ("https://localhost/hook", "localhost resolves to a loopback address"),
    ("http://93.184.216.34/hook", "must use https"),
    ("https://user:pw@93.184.216.34/hook", "credentials"),
    ("ftp://93.184.216.34/hook", "must use https, not 'ftp'"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
async def test_non_global_targets_are_refused_with_a_clear_reason(url: str, message: str) -> None:
    with pytest.raises(TargetRefused) as info:
        await post_json(url, b"{}", headers={}, timeout_seconds=2, allow_private=False)
    assert info.value.message.startswith("refused: ")
    assert message in info.value.message
    assert info.value.retryable is False


AGREEMENT = [u for u, _ in REFUSED] + [
    "https://[64:ff9b::10.0.0.1]/x", "https://[2002:0a00:0001::]/x", "https://[::ffff:10.0.0.1]/x", "https://0.0.0.0/x",
    "https://100.100.1.1/x", "https://[fc00::1]/x", "https://[ff02::1]/x", "https://0x7f.1/x",
    "https://93.184.216.34/x", "https://[2606:4700::1111]/x", "https://[::ffff:8.8.8.8]/x",
]


@pytest.mark.parametrize("url", AGREEMENT)
async def test_the_runtime_refuses_exactly_what_bundle_validation_refuses(url: str) -> None:
    """The dry run and the worker use one policy: a URL validation accepts is not refused at connect time."""
    static = check_action_url(url, allow_private=False)
    try:
        await checked_addresses(url, allow_private=False)
        refused = None
    except TargetRefused as exc:
        refused = exc.message
    assert (refused is None) == (static is None), (url, static, refused)
    if static is not None:
        assert refused == f"refused: {static.message}"


def test_public_addresses_are_allowed() -> None:
    import ipaddress

    for text in ("93.184.216.34", "8.8.8.8", "2606:4700::1111"):
        assert address_problem(ipaddress.ip_address(text)) is None


async def test_a_redirect_is_refused_and_not_followed(external: ExternalServer) -> None:
    external.respond("/redirect", Reply(status=302, headers={"Location": "http://127.0.0.1:1/admin"}))
    with pytest.raises(TargetRefused) as info:
        await post_json(external.url + "/redirect", b"{}", headers={}, timeout_seconds=5, allow_private=True)
    assert "redirect (302)" in info.value.message and info.value.status_code == 302
    assert len(external.requests("/redirect")) == 1


async def test_connects_to_the_checked_address_with_the_original_host_header(external: ExternalServer) -> None:
    external.respond("/pin", Reply(body={"ok": True}))
    port = external.url.rsplit(":", 1)[1]
    resp = await post_json(f"http://localhost:{port}/pin", b'{"a":1}', headers={"x-test": "1"},
                           timeout_seconds=5, allow_private=True)
    assert resp.status == 200 and resp.body == {"ok": True} and resp.address == "127.0.0.1"
    seen = external.requests("/pin")[-1]
    assert seen.headers["host"] == f"localhost:{port}"
    assert seen.headers["content-type"] == "application/json" and seen.headers["x-test"] == "1"
    assert seen.json == {"a": 1}


@pytest.mark.parametrize(("reply", "message"), [
    (Reply(raw=b"x" * (1024 * 1024 + 1)), "larger than 1048576 bytes"),
    (Reply(raw=b"[" * 70 + b"]" * 70), "nests deeper than 64"),
    (Reply(raw=b"[" * 5000 + b"]" * 5000), "nested too deeply"),
    (Reply(raw=b"<html>nope</html>"), "not valid JSON"),
    (Reply(status=503, body={"error": "down"}), "HTTP 503"),
    (Reply(status=404, body={}), "HTTP 404"),
])
async def test_bad_answers_are_retryable_errors(external: ExternalServer, reply: Reply, message: str) -> None:
    external.respond("/bad", reply)
    with pytest.raises(ActionRequestError) as info:
        await post_json(external.url + "/bad", b"{}", headers={}, timeout_seconds=5, allow_private=True)
    assert message in info.value.message
    assert info.value.retryable is True and not isinstance(info.value, TargetRefused)


async def test_a_slow_target_times_out(external: ExternalServer) -> None:
    external.respond("/slow", Reply(delay=1.5))
    with pytest.raises(ActionRequestError) as info:
        await post_json(external.url + "/slow", b"{}", headers={}, timeout_seconds=0.3, allow_private=True)
    assert "timed out after 0.3 s" in info.value.message and info.value.retryable


async def test_empty_and_json_bodies(external: ExternalServer) -> None:
    external.respond("/empty", Reply(raw=b""))
    resp = await post_json(external.url + "/empty", b"{}", headers={}, timeout_seconds=5, allow_private=True)
    assert resp.body is None and resp.as_scope()["status"] == 200
    external.respond("/json", Reply(body={"n": [1, 2]}, headers={"X-Trace": "abc"}))
    resp = await post_json(external.url + "/json", json.dumps({}).encode(), headers={}, timeout_seconds=5,
                           allow_private=True)
    assert resp.as_scope()["body"] == {"n": [1, 2]} and resp.as_scope()["headers"]["x-trace"] == "abc"
