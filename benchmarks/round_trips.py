"""Database round trips of one API submission, counted in-process through the real ASGI app and SQLAlchemy events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


@dataclass
class Counts:
    """Statements, BEGINs, COMMIT/ROLLBACKs and pre-ping SELECT 1s sent to PostgreSQL (each one round trip)."""

    statements: int = 0
    begins: int = 0
    ends: int = 0
    pings: int = 0

    @property
    def total(self) -> int:
        return self.statements + self.begins + self.ends + self.pings


def _autocommit(conn: Connection) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@contextmanager
def counting(engine: Engine) -> Iterator[Counts]:
    """Count while the block runs. psycopg sends BEGIN as a round trip of its own (not in autocommit); a pool with
    pre_ping sends a SELECT 1 at each checkout outside the cursor events, so checkouts are counted as pings then."""
    counts = Counts()

    def statement(*_: Any) -> None:
        counts.statements += 1

    def begin(conn: Connection) -> None:
        if not _autocommit(conn):
            counts.begins += 1

    def end(conn: Connection) -> None:
        if not _autocommit(conn):
            counts.ends += 1

    def checkout(*_: Any) -> None:
        if getattr(engine.pool, "_pre_ping", False):
            counts.pings += 1

    hooks = [(engine, "before_cursor_execute", statement), (engine, "begin", begin), (engine, "commit", end),
             (engine, "rollback", end), (engine.pool, "checkout", checkout)]
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    try:
        yield counts
    finally:
        for target, name, fn in hooks:
            event.remove(target, name, fn)


async def per_submit(headers: dict[str, str], body_of: Any, runs: int = 5) -> dict[str, Any]:
    """Average round trips of POST /api/v1/tickets (authentication included) after a warm-up submission, through
    create_api() in this process on the benchmark database (harness.use_database must have pointed it there)."""
    import httpx

    from tfai.api.app import create_api
    from tfai.db.session import dispose_engine, engine
    from tfai.redis_client import reset_async_redis

    reset_async_redis()  # a client made under an earlier event loop cannot be used in this one
    sync_engine = engine().sync_engine
    transport = httpx.ASGITransport(app=create_api())
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            async def submit(n: int) -> None:
                resp = await client.post("/api/v1/tickets", headers=headers, json=body_of(n))
                if resp.status_code != 201:
                    raise RuntimeError(f"submission answered {resp.status_code}: {resp.text[:200]}")

            await submit(0)
            with counting(sync_engine) as counts:
                for n in range(1, runs + 1):
                    await submit(n)
    finally:
        await dispose_engine()
    return {"db_round_trips_per_submit": round(counts.total / runs, 1),
            "db_round_trips_detail": {"statements": counts.statements / runs, "begins": counts.begins / runs,
                                      "commits_or_rollbacks": counts.ends / runs, "pings": counts.pings / runs,
                                      "runs": runs}}
