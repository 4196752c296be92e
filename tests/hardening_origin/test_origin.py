"""The event socket and upload endpoint refuse foreign Origins; same-origin and non-browser clients pass."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from tfai.api.origin import OriginCheck, origin_of, same_origin


async def _hello(_: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _ws(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text("hi")
    await ws.close()


def _client() -> TestClient:
    inner = Starlette(routes=[Route("/_upload", _hello, methods=["POST"]), Route("/other", _hello),
                              WebSocketRoute("/_event/", _ws)])
    return TestClient(OriginCheck(inner, public_url=lambda: "https://tfai.example.com"))


@pytest.mark.parametrize(("url", "expected"), [
    ("https://tfai.example.com/", "https://tfai.example.com"),
    ("https://TFAI.example.com:443", "https://tfai.example.com"),
    ("http://localhost:3000/x", "http://localhost:3000"),
    ("http://127.0.0.1:3000", "http://localhost:3000"),
])
def test_origin_of(url: str, expected: str) -> None:
    assert origin_of(url) == expected


@pytest.mark.parametrize(("origin", "public", "same"), [
    ("https://tfai.example.com", "https://tfai.example.com/", True),  # trailing slash
    ("https://TFAI.Example.com:443", "https://tfai.example.com", True),  # case, default port
    ("http://tfai.example.com", "https://tfai.example.com", False),  # scheme
    ("https://tfai.example.com:8443", "https://tfai.example.com", False),  # port
    ("https://evil.tfai.example.com", "https://tfai.example.com", False),  # sibling subdomain
    ("https://xn--bcher-kva.example", "https://bücher.example", True),  # IDNA: browsers send punycode
    ("null", "https://tfai.example.com", False),  # sandboxed frames
    ("https://tfai.example.com:99999", "https://tfai.example.com", False),  # unparsable port
    ("http://127.0.0.1:3000", "http://localhost:3000", True),  # loopback names are one
])
def test_one_origin_comparison(origin: str, public: str, same: bool) -> None:
    """The socket/upload check and the API's cookie check both call same_origin."""
    assert same_origin(origin, public) is same


def test_same_origin_socket_is_accepted() -> None:
    with _client().websocket_connect("/_event/", headers={"origin": "https://tfai.example.com"}) as ws:
        assert ws.receive_text() == "hi"


def test_foreign_origin_socket_is_refused() -> None:
    with pytest.raises(WebSocketDisconnect) as info, \
            _client().websocket_connect("/_event/", headers={"origin": "https://evil.example.net"}) as ws:
        ws.receive_text()
    assert info.value.code == 1008


def test_foreign_origin_upload_is_refused_but_other_paths_untouched() -> None:
    client = _client()
    refused = client.post("/_upload", headers={"origin": "https://evil.example.net"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "bad_origin"
    assert client.post("/_upload", headers={"origin": "https://tfai.example.com"}).status_code == 200
    assert client.post("/_upload").status_code == 200, "non-browser clients send no Origin"
    assert client.get("/other", headers={"origin": "https://evil.example.net"}).status_code == 200
