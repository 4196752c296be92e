"""Connections to action targets are reused per pinned address, and reuse never skips the address check."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tfai.domain.network import address_problem
from tfai.worker import http
from tfai.worker.http import TargetRefused, post_json


class KeepAlive:
    """An HTTP/1.1 server on 127.0.0.1 that keeps connections open and records which client port each request used."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.ports: list[int] = []
        seen = self.ports

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("content-length") or 0))
                seen.append(self.client_address[1])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "11")
                self.end_headers()
                self.wfile.write(b'{"ok":true}')

        self.httpd = ThreadingHTTPServer(("0.0.0.0" if tls else "127.0.0.1", 0), Handler)  # noqa: S104
        self.httpd.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])


@pytest.fixture
def keep_alive() -> Iterator[KeepAlive]:
    server = KeepAlive()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


async def test_two_requests_to_one_target_share_a_connection(keep_alive: KeepAlive) -> None:
    url = f"http://localhost:{keep_alive.port}/hook"
    for _ in range(3):
        resp = await post_json(url, b"{}", headers={}, timeout_seconds=5, allow_private=True)
        assert resp.status == 200 and resp.body == {"ok": True} and resp.address == "127.0.0.1"
    assert len(keep_alive.ports) == 3 and len(set(keep_alive.ports)) == 1


@pytest.fixture
def named_tls(tmp_path: Path) -> Iterator[tuple[str, KeepAlive]]:
    """This machine's host name (which resolves to a non-global address here) served over TLS with a certificate
    for that name, trusted by the worker's TLS context for the test."""
    name = socket.gethostname()
    try:
        ips = {ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)}
    except OSError:
        pytest.skip(f"the host name {name!r} does not resolve here")
    if not ips or not all(address_problem(ip) for ip in ips):
        pytest.skip(f"the host name {name!r} resolves to a public address here")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True)
    http._ssl_context().load_verify_locations(str(cert))  # noqa: SLF001 - trust the test's own certificate
    server = KeepAlive(tls=(cert, key))
    yield name, server
    server.httpd.shutdown()
    server.httpd.server_close()


async def test_a_reused_name_that_resolves_to_a_private_address_is_still_refused(
        named_tls: tuple[str, KeepAlive]) -> None:
    name, server = named_tls
    url = f"https://{name}:{server.port}/hook"
    for _ in range(2):  # allowed (development setting): a pooled, open TLS connection to the checked address
        resp = await post_json(url, b"{}", headers={}, timeout_seconds=5, allow_private=True)
        assert resp.status == 200 and resp.body == {"ok": True}
    assert len(server.ports) == 2 and len(set(server.ports)) == 1
    with pytest.raises(TargetRefused) as info:
        await post_json(url, b"{}", headers={}, timeout_seconds=5, allow_private=False)
    assert f"{name} resolves to" in info.value.message
    assert len(server.ports) == 2  # nothing was sent over the open connection


async def test_clients_are_kept_per_host_and_address_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    ip, other_ip = ipaddress.ip_address("192.0.2.1"), ipaddress.ip_address("192.0.2.2")
    first = http.pooled_client("https", "a.example", 443, ip)
    assert http.pooled_client("https", "A.example", 443, ip) is first
    assert http.pooled_client("https", "b.example", 443, ip) is not first  # another TLS name: another client
    assert http.pooled_client("https", "a.example", 443, other_ip) is not first  # resolved elsewhere now
    monkeypatch.setattr(http, "MAX_CLIENTS", 2)
    http.pooled_client("https", "c.example", 443, ip)
    assert len(http._clients) == 2  # noqa: SLF001 - the bound is the point of this test
    assert http.pooled_client("https", "a.example", 443, ip) is not first  # the oldest was evicted
