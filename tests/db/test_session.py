"""The session factory: no pre-ping round trip, and a pooled connection the server dropped is replaced once."""

from __future__ import annotations

import psycopg
from sqlalchemy import text

from tfai.db.session import autocommit, engine, tenant_tx


async def test_the_pool_does_not_ping_before_each_transaction(db_engine: None) -> None:
    assert engine().sync_engine.pool._pre_ping is False


async def test_a_connection_the_server_ended_is_replaced_by_the_next_transaction(db_engine: None,
                                                                                 owner: psycopg.Connection) -> None:
    async with tenant_tx(None) as session:
        first = int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    owner.execute("SELECT pg_terminate_backend(%s)", (first,))
    owner.execute("SELECT pg_sleep(0.05)")  # the backend is gone before the pooled connection is used again
    pids = set()
    for _ in range(3):  # whichever pooled connection comes back, every transaction succeeds
        async with tenant_tx(None) as session:
            pids.add(int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
    assert first not in pids


async def test_autocommit_runs_each_statement_on_its_own_without_a_tenant(db_engine: None) -> None:
    async with autocommit() as conn:
        status = (await conn.execute(text("SELECT current_setting('app.company_id', true), "
                                          "now() = statement_timestamp()"))).one()
    assert (status[0] or "") == "" and status[1] is True  # no transaction began before the statement
