"""Outages answer 503 with Retry-After in the error shape; timeouts are set; the relay outlives failed rounds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tfai.api.errors import UNAVAILABLE_RETRY_AFTER, install_error_handlers
from tfai.db.session import CONNECT_ARGS, STATEMENT_TIMEOUT_MS, tenant_tx
from tfai.worker.outbox import Relay


def _app_on_stopped_servers(where: Path) -> FastAPI:
    """Routes that use a PostgreSQL and a Redis whose sockets are in an empty dir: servers that are stopped."""
    app = FastAPI()
    install_error_handlers(app)
    engine = create_async_engine(f"postgresql+psycopg://tfai@/tfai?host={where}", connect_args=CONNECT_ARGS)

    @app.get("/db")
    async def db() -> dict[str, int]:
        async with engine.connect() as conn:
            return {"one": int((await conn.execute(text("SELECT 1"))).scalar_one())}

    @app.get("/redis")
    async def rd() -> dict[str, bool]:
        return {"pong": bool(await aioredis.Redis(unix_socket_path=str(where / "redis.sock")).ping())}  # type: ignore[misc]

    return app


@pytest.mark.parametrize("path, what", [("/db", "the database"), ("/redis", "Redis")])
async def test_a_stopped_server_answers_503_with_retry_after(tmp_path: Path, path: str, what: str) -> None:
    transport = httpx.ASGITransport(app=_app_on_stopped_servers(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get(path)
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == str(UNAVAILABLE_RETRY_AFTER)
    error = resp.json()["error"]
    assert error["code"] == "unavailable"
    assert what in error["message"]
    assert str(tmp_path) not in resp.text  # no connection details leak to the client
    assert error["details"] == {"retry_after": UNAVAILABLE_RETRY_AFTER}


async def test_app_transactions_carry_the_statement_timeout(db_engine: None) -> None:
    async with tenant_tx(None) as session:
        shown = (await session.execute(text("SHOW statement_timeout"))).scalar_one()
    assert shown == f"{STATEMENT_TIMEOUT_MS // 1000}s"


class _Flaky(Relay):
    """A relay whose first rounds fail the way an outage makes them fail."""

    def __init__(self, failures: int) -> None:
        super().__init__(publish=lambda company_id, task_id: None)  # its rounds never publish
        self.failures = failures
        self.rounds = 0

    async def _round(self) -> bool:
        self.rounds += 1
        if self.rounds <= self.failures:
            raise ConnectionError("the database is restarting")
        if self.rounds >= self.failures + 2:
            self.stop()
        return False


async def test_the_relay_survives_failed_rounds_and_carries_on(db_engine: None) -> None:
    relay = _Flaky(failures=2)
    await asyncio.wait_for(relay.run(), 30)
    assert relay.rounds == 4  # two failed, then two good rounds: the loop went on after the failures
    assert relay.stopping.is_set()
