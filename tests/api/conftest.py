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


@pytest.fixture
def auth_headers(stack: Stack):  # type: ignore[no-untyped-def]
    """Headers with a fresh personal API token for a member (inserted directly as the owner)."""
    import psycopg

    from tests.fixtures.tenants import Member
    from tfai.domain.tokens import hash_token, new_token

    def make(member: Member) -> dict[str, str]:
        token = new_token()
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            conn.execute("INSERT INTO api_tokens (company_id, user_id, name, token_hash) VALUES (%s, %s, 'test', %s)",
                         (member.company_id, member.id, hash_token(token)))
        return {"Authorization": f"Bearer {token}"}

    return make
