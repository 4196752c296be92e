"""SSRF-safe outbound POST: resolve, refuse non-global addresses, connect to the checked IP (connections reused)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx

from tfai.domain import network
from tfai.domain.limits import MAX_JSON_DEPTH, MAX_RESPONSE_BYTES
from tfai.domain.network import IP
from tfai.settings import get_settings


class ActionRequestError(Exception):
    """An outbound action request failed; `retryable` says whether another attempt may succeed."""

    retryable = True

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class TargetRefused(ActionRequestError):
    """The target is not allowed (SSRF protection, a redirect, a bad URL): never retried."""

    retryable = False


@dataclass(frozen=True)
class ActionResponse:
    """What the external system answered (body is parsed JSON, or None when empty)."""

    status: int
    headers: dict[str, str]
    body: Any
    duration_ms: int
    address: str = ""
    raw: bytes = field(default=b"", repr=False)

    def as_scope(self) -> dict[str, Any]:
        return {"status": self.status, "headers": self.headers, "body": self.body}


async def resolve(host: str, port: int) -> list[IP]:
    """Every address the host resolves to (getaddrinfo runs in a thread; an IP literal is its own address)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ActionRequestError(f"cannot resolve {host!r}: {exc}") from exc
    out: list[IP] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip not in out:
            out.append(ip)
    if not out:
        raise ActionRequestError(f"cannot resolve {host!r}: no address")
    return sorted(out, key=lambda a: a.version)


async def checked_addresses(url: str, *, allow_private: bool) -> tuple[httpx.URL, str, list[IP]]:
    """Check the URL by the network policy, resolve it, and refuse it unless every address is public."""
    problem = network.check_action_url(url, allow_private=allow_private)
    if problem is not None:
        raise TargetRefused(f"refused: {problem.message}")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        target = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise TargetRefused(f"refused: not a valid URL ({exc})") from exc
    host = str(parts.hostname)
    # The name may resolve elsewhere now than when the bundle was validated: check what we connect to.
    addresses = await resolve(host, port)
    if not allow_private:
        for ip in addresses:
            why = network.address_problem(ip)
            if why:
                raise TargetRefused(f"refused: {network.refused_address(host, ip, why)}")
    return target, host, addresses


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


# Clients kept per (event loop, scheme, host, port, pinned address): a client only ever connects to the address it
# is keyed by, and only for that host name (its TLS name), so a reused connection goes where the check said. Every
# request resolves and checks again first (checked_addresses); a name that now resolves elsewhere gets another
# client, and one that resolves to a refused address is refused before any client is chosen.
MAX_CLIENTS = 64
_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=8, keepalive_expiry=30)
_clients: OrderedDict[tuple[int, str, str, int, str], tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = \
    OrderedDict()


def pooled_client(scheme: str, host: str, port: int, ip: IP) -> httpx.AsyncClient:
    """The client for this pinned origin on the running loop (least recently used ones beyond MAX_CLIENTS close)."""
    loop = asyncio.get_running_loop()
    key = (id(loop), scheme, host.lower(), port, str(ip))
    found = _clients.get(key)
    if found is not None and found[0] is loop and not found[1].is_closed:
        _clients.move_to_end(key)
        return found[1]
    client = httpx.AsyncClient(verify=_ssl_context(), trust_env=False, follow_redirects=False, limits=_LIMITS)
    _clients[key] = (loop, client)
    while len(_clients) > MAX_CLIENTS:
        _, (owner, old) = _clients.popitem(last=False)
        if owner is loop and not loop.is_closed():
            task = loop.create_task(old.aclose())
            _closing.add(task)
            task.add_done_callback(_closing.discard)
    return client


_closing: set[asyncio.Task[None]] = set()


def _json_depth(value: Any) -> int:
    depth, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            depth = max(depth, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return depth


def parse_json(raw: bytes, *, status: int | None = None) -> Any:
    """Parse a response body as JSON within the nesting limit (empty → None)."""
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except RecursionError as exc:
        raise ActionRequestError("the response JSON is nested too deeply", status_code=status) from exc
    except ValueError as exc:
        raise ActionRequestError(f"the response is not valid JSON ({exc})", status_code=status) from exc
    if _json_depth(body) > MAX_JSON_DEPTH:
        raise ActionRequestError(f"the response JSON nests deeper than {MAX_JSON_DEPTH} levels",
                                 status_code=status)
    return body


async def _send(url: httpx.URL, host: str, ip: IP, body: bytes, headers: dict[str, str],
                limits: httpx.Timeout) -> tuple[httpx.Response, bytes]:
    pinned = url.copy_with(host=str(ip))
    client = pooled_client(url.scheme, host, pinned.port or (443 if url.scheme == "https" else 80), ip)
    host_header = url.netloc.decode("ascii")
    request = client.build_request(
        "POST", pinned, content=body, timeout=limits,
        headers={**headers, "Host": host_header, "Content-Type": "application/json"},
        extensions={"sni_hostname": host} if url.scheme == "https" else {},
    )
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise ActionRequestError(f"the response is larger than {MAX_RESPONSE_BYTES} bytes",
                                         status_code=response.status_code)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return response, b"".join(chunks)


async def post_json(url: str, body: bytes, *, headers: dict[str, str], timeout_seconds: float,
                    expect_json: bool = True, allow_private: bool | None = None) -> ActionResponse:
    """POST `body` (JSON bytes) to `url` safely; raise ActionRequestError/TargetRefused on failure."""
    if allow_private is None:
        allow_private = get_settings().actions_allow_private_networks
    started = time.monotonic()
    target, host, addresses = await checked_addresses(url, allow_private=allow_private)
    timeout = httpx.Timeout(timeout_seconds)
    last: Exception | None = None
    try:
        async with asyncio.timeout(timeout_seconds):
            for ip in addresses:
                try:
                    response, raw = await _send(target, host, ip, body, headers, timeout)
                    break
                except httpx.ConnectError as exc:
                    last = exc
            else:
                raise ActionRequestError(f"cannot connect to {host}: {last}")
    except TimeoutError as exc:
        raise ActionRequestError(f"timed out after {timeout_seconds:g} s") from exc
    except httpx.TimeoutException as exc:
        raise ActionRequestError(f"timed out after {timeout_seconds:g} s ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise ActionRequestError(f"request failed: {type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if 300 <= status < 400:
        where = response.headers.get("location", "")[:200]
        raise TargetRefused(f"refused: the target answered with a redirect ({status}) to {where!r}; "
                            "redirects are not followed", status_code=status)
    if not 200 <= status < 300:
        snippet = raw[:200].decode("utf-8", "replace")
        raise ActionRequestError(f"the target answered HTTP {status}: {snippet}", status_code=status)
    parsed = parse_json(raw, status=status) if expect_json else _lenient(raw)
    return ActionResponse(status=status, headers={k.lower(): v for k, v in response.headers.items()},
                          body=parsed, duration_ms=int((time.monotonic() - started) * 1000),
                          address=str(addresses[0]), raw=raw)


def _lenient(raw: bytes) -> Any:
    try:
        return parse_json(raw)
    except ActionRequestError:
        return None
