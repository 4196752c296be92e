"""Transactions scoped to the actor's company (read-only for read-only staff grants)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import tenant_tx
from tfai.domain.policy import Actor


@asynccontextmanager
async def actor_tx(actor: Actor) -> AsyncIterator[AsyncSession]:
    """One transaction inside the actor's company; SET TRANSACTION READ ONLY under a read grant."""
    async with tenant_tx(actor.company_id, read_only=actor.read_only) as session:
        yield session
