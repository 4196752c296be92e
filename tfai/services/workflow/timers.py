"""Firing durable timers (the worker's entry point): each due timer fires once, in the transaction that claims it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import system_tx, tenant_tx
from tfai.domain.limits import MAX_REASON
from tfai.services.workflow._timer_effects import effect_for
from tfai.services.workflow._timers import TimerRow

log = logging.getLogger(__name__)

BATCH = 50  # timers claimed per transaction: short transactions, and other workers take the rest meanwhile
RETRY_MAX_SECONDS = 300  # a failing firing is tried again after 1 s, 2 s, 4 s ... at most this

# Due and not locked by another firing (SKIP LOCKED: concurrent workers split the due rows between them); a row
# fired meanwhile is re-checked on its newest version by PostgreSQL and left out.
_CLAIM = text("""
SELECT id, company_id, workflow_instance_id, task_instance_id, kind, due_at, payload, attempts FROM timers
WHERE company_id = :cid AND fired_at IS NULL AND due_at <= now() AND (retry_at IS NULL OR retry_at <= now())
ORDER BY due_at, id LIMIT :n FOR UPDATE SKIP LOCKED
""")
_FIRED = text("UPDATE timers SET fired_at = clock_timestamp(), outcome = :outcome, attempts = attempts + 1, "
              "retry_at = NULL WHERE id = :id")
_FAILED = text("UPDATE timers SET attempts = attempts + 1, last_error = :error, "
               "retry_at = clock_timestamp() + make_interval(secs => :wait) WHERE id = :id")


@dataclass(frozen=True)
class Backlog:
    """Timers waiting to fire, and how late the oldest due one is (seconds; 0 when none is due)."""

    pending: int
    overdue_seconds: float


async def fire_due(limit: int = BATCH) -> int:
    """Fire up to `limit` due timers of any company; how many fired (skipped ones included).

    Each company's due timers are claimed with FOR UPDATE SKIP LOCKED in that company's transaction, which also
    runs each timer's effect (in a savepoint) and marks it fired: a crash or a lost connection rolls both back,
    so the timer fires in a later round, never twice. An effect that raises is rolled back alone: the timer stays
    unfired, with its error and a retry time (back-off), and the others of the batch fire.
    """
    async with system_tx() as session:
        companies = (await session.execute(text("SELECT company_id, due FROM tfai_timers_due(:n)"),
                                           {"n": max(limit, 0)})).all()
    fired = 0
    for company_id, due in companies:
        if fired >= limit:
            break
        fired += await _fire_company(int(company_id), min(int(due), limit - fired, BATCH))
    return fired


async def _fire_company(company_id: int, limit: int) -> int:
    async with tenant_tx(company_id) as session:
        rows = (await session.execute(_CLAIM, {"cid": company_id, "n": limit})).all()
        for row in rows:
            await _fire_one(session, TimerRow(
                id=int(row.id), company_id=int(row.company_id), workflow_instance_id=int(row.workflow_instance_id),
                task_instance_id=None if row.task_instance_id is None else int(row.task_instance_id),
                kind=str(row.kind), due_at=row.due_at, payload=dict(row.payload or {}), attempts=int(row.attempts)))
    return len(rows)


async def _fire_one(session: AsyncSession, timer: TimerRow) -> None:
    try:
        async with session.begin_nested():
            effect = effect_for(timer.kind)
            if effect is None:
                raise LookupError(f"no effect for timer kind {timer.kind!r}")
            outcome = await effect(session, timer)
            await session.execute(_FIRED, {"id": timer.id, "outcome": outcome})
    except Exception as exc:  # noqa: BLE001 - one timer's failure must not cost the batch its firings
        wait = min(RETRY_MAX_SECONDS, 2 ** min(timer.attempts, 16))
        log.warning("timer %s (%s) failed to fire (attempt %d): %s; retrying in %d s", timer.id, timer.kind,
                    timer.attempts + 1, exc, wait)
        await session.execute(_FAILED, {"id": timer.id, "error": f"{type(exc).__name__}: {exc}"[:MAX_REASON],
                                        "wait": wait})


async def next_due_in() -> float | None:
    """Seconds until the next timer of any company is due (negative: overdue), None when none is pending."""
    async with system_tx() as session:
        value = (await session.execute(text("SELECT tfai_timers_next_due()"))).scalar()
    return None if value is None else float(value)


async def backlog() -> Backlog:
    """How many timers wait, and how late the oldest due one is: for health checks, metrics and benchmarks."""
    async with system_tx() as session:
        row = (await session.execute(text("SELECT pending, overdue_seconds FROM tfai_timers_backlog()"))).one()
    return Backlog(pending=int(row.pending), overdue_seconds=float(row.overdue_seconds))
