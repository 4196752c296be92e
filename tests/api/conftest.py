"""An in-process client for the REST API (real ASGI app, real database and Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fixtures.stack import Stack


@pytest.fixture(scope="session")
async def api(stack: Stack, db_engine: None) -> AsyncIterator[httpx.AsyncClient]:
    from tfai.api.app import create_api

    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
        yield client
