"""The hardened ASGI app (security headers, request context, metrics) around the API, on the test stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fixtures.stack import Stack


@pytest.fixture(scope="session")
def hardened(stack: Stack, db_engine: None):  # type: ignore[no-untyped-def]
    from tfai.api.app import create_api
    from tfai.api.security_headers import harden

    return harden(create_api(), configure_logs=False)


@pytest.fixture
async def client(hardened) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A loopback client of the hardened app."""
    transport = httpx.ASGITransport(app=hardened, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as c:
        yield c


@pytest.fixture
async def remote_client(hardened) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A client from a public address."""
    transport = httpx.ASGITransport(app=hardened, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as c:
        yield c
