"""Async engine and tenant-scoped transactions (RLS setting applied per transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from tfai.db.urls import app_url
from tfai.settings import get_settings

# Fail fast rather than hang while the database is down or overloaded (the API answers 503, tfai.api.errors):
# connecting gives up after CONNECT_TIMEOUT, waiting for a pooled connection after POOL_TIMEOUT, a statement
# after STATEMENT_TIMEOUT_MS, and a transaction left idle (a stuck client) is ended by the server.
CONNECT_TIMEOUT = 5
POOL_TIMEOUT = 10
STATEMENT_TIMEOUT_MS = 30_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
CONNECT_ARGS = {"connect_timeout": CONNECT_TIMEOUT,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} "
                           f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}"}

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def configure_engine(*, pool_size: int = 10, null_pool: bool = False) -> AsyncEngine:
    """(Re)create the process-wide engine for the app role."""
    global _engine, _sessionmaker
    url = app_url(get_settings())
    if null_pool:
        _engine = create_async_engine(url, poolclass=NullPool, connect_args=CONNECT_ARGS)
    else:
        # No pre-ping (a SELECT 1 round trip before every transaction): a connection the server dropped fails on
        # the transaction's first statement instead, SQLAlchemy then invalidates it and every older pooled one,
        # and tenant_tx retries that first statement once on a new connection (no work has run yet).
        _engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
                                      pool_recycle=1800, pool_timeout=POOL_TIMEOUT, connect_args=CONNECT_ARGS)
    _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


async def dispose_engine() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine, _sessionmaker = None, None


def _maker() -> async_sessionmaker[AsyncSession]:
    if _sessionmaker is None:
        configure_engine()
    assert _sessionmaker is not None
    return _sessionmaker


def engine() -> AsyncEngine:
    """The process-wide engine (configured on first use)."""
    _maker()
    assert _engine is not None
    return _engine


_SET_TENANT = text("SELECT set_config('app.company_id', :cid, true)")
_READ_ONLY = text("SET TRANSACTION READ ONLY")


async def _begin(session: AsyncSession, company_id: int | None, read_only: bool) -> None:
    """The transaction's first statements; once more on a fresh connection when the pooled one was dead."""
    for attempt in (1, 2):
        try:
            if read_only:
                await session.execute(_READ_ONLY)
            await session.execute(_SET_TENANT, {"cid": "" if company_id is None else str(int(company_id))})
            return
        except DBAPIError as exc:
            await session.rollback()
            if attempt == 2 or not exc.connection_invalidated:
                raise


@asynccontextmanager
async def tenant_tx(company_id: int | None, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
    """One transaction acting inside company_id; with None, RLS shows nothing (fail closed)."""
    async with _maker()() as session:
        await _begin(session, company_id, read_only)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


@asynccontextmanager
async def autocommit() -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit and with no tenant: each statement is its own transaction, one round trip
    (no BEGIN, no COMMIT). Row-level security shows nothing here: only SECURITY DEFINER functions return rows."""
    async with engine().connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


@asynccontextmanager
async def system_tx() -> AsyncIterator[AsyncSession]:
    """A transaction with no tenant: only the narrow SECURITY DEFINER functions return rows."""
    async with tenant_tx(None) as session:
        yield session
