"""Durable timers in the caller's transaction: schedule and cancel them, and what firing each kind does.

A timer is a row of `timers` with a due time. The worker's loop (tfai/worker/timers.py) calls timers.fire_due,
which claims due rows with FOR UPDATE SKIP LOCKED and, in the claim's transaction, runs EFFECTS[kind] and marks
the row fired: a timer fires once, and a firing that fails leaves it unfired for a later round.

Lock order: a timer row, then its task row, then its workflow row. Code holding a task lock never waits for a timer
row: cancel_for_task / cancel_for_workflow skip rows being fired, and every effect re-checks under the task's lock
that its task (or workflow) is still active, so a timer of a finished task is marked `skipped`, not fired.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.domain.durations import DurationError, parse_duration
from tfai.domain.lifecycle import ACTIVE_TASK, ACTIVE_WORKFLOW, sql_in
from tfai.domain.limits import MAX_REMINDERS
from tfai.services.common import audit

TASK_TIMER = "task_timer"  # a TIMER task's `wait` / `until`: the task completes (_timer_effects.py)
TIMEOUT = "timeout"  # a FORM/ASYNC_ACTION task's `timeout.after`: cancel it, go on at `to` (_timer_effects.py)
REMIND = "remind"  # a task's `remind`: a reminder for its assignee in the ticket's timeline (here)
DUE = "due"  # a FORM task's `due`: an "overdue" event for its assignee in the ticket's timeline (here)
FIRED, SKIPPED = "fired", "skipped"  # timers.outcome
# Audit actions the ticket timeline reads back (entity "task", or "workflow" for a timer of no task).
REMINDER_EVENT = "reminder"
TIMER_EVENT = "timer_fired"


@dataclass(frozen=True)
class TimerRow:
    """A claimed timer, as its effect sees it."""

    id: int
    company_id: int
    workflow_instance_id: int
    task_instance_id: int | None
    kind: str
    due_at: datetime
    payload: Mapping[str, Any]
    attempts: int


# What firing a timer of a kind does, in the claim's transaction; answers FIRED or SKIPPED (its task or workflow
# had finished). An exception rolls the effect back and the timer is tried again later.
Effect = Callable[[AsyncSession, TimerRow], Awaitable[str]]

_INSERT = text("""
INSERT INTO timers (company_id, workflow_instance_id, task_instance_id, kind, due_at, payload)
VALUES (:cid, :wid, :tid, :kind, :due, CAST(:payload AS jsonb)) RETURNING id
""")
# SKIP LOCKED: a row being fired is left to its firing, which finds the task finished (module docstring).
_CANCEL_TASK = text("""
DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE task_instance_id = :tid AND fired_at IS NULL
                                FOR UPDATE SKIP LOCKED)
""")
_CANCEL_TASKS = text("""
DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE task_instance_id = ANY(:ids) AND fired_at IS NULL
                                FOR UPDATE SKIP LOCKED)
""")
_CANCEL_WORKFLOW = text("""
DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE workflow_instance_id = :wid AND fired_at IS NULL
                                FOR UPDATE SKIP LOCKED)
""")
_TASK = text(f"""
SELECT t.assigned_to, t.t_status IN {sql_in(ACTIVE_TASK)} AS task_active,
       (SELECT w.w_status IN {sql_in(ACTIVE_WORKFLOW)} FROM workflow_instances w
         WHERE w.id = t.workflow_instance_id) AS workflow_active
FROM task_instances t WHERE t.id = :tid FOR UPDATE OF t
""")
_WORKFLOW = text(f"SELECT w_status IN {sql_in(ACTIVE_WORKFLOW)} FROM workflow_instances WHERE id = :wid")


async def schedule(session: AsyncSession, *, company_id: int, workflow_instance_id: int, task_instance_id: int | None,
                   kind: str, due_at: datetime, payload: Mapping[str, Any] | None = None) -> int:
    """Add a timer firing `kind` at `due_at` (timezone-aware) in this transaction; its id.

    It fires only if this transaction commits; a worker sleeping past due_at is woken (NOTIFY tfai_timers).
    """
    if kind not in EFFECTS:
        raise ValueError(f"unknown timer kind {kind!r}")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    row = (await session.execute(_INSERT, {"cid": company_id, "wid": workflow_instance_id, "tid": task_instance_id,
                                           "kind": kind, "due": due_at, "payload": json.dumps(dict(payload or {}))}
                                 )).one()
    return int(row[0])


async def cancel_for_task(session: AsyncSession, task_id: int) -> int:
    """Drop the task's unfired timers (call when it completes, fails or is cancelled); how many were dropped."""
    result = await session.execute(_CANCEL_TASK, {"tid": task_id})
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_for_tasks(session: AsyncSession, task_ids: list[int]) -> int:
    """cancel_for_task for several tasks in one statement (a for_each group, a join's cancelled branches)."""
    if not task_ids:
        return 0
    result = await session.execute(_CANCEL_TASKS, {"ids": task_ids})
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_for_workflow(session: AsyncSession, workflow_instance_id: int) -> int:
    """Drop every unfired timer of the workflow (call when it completes or is cancelled); how many."""
    result = await session.execute(_CANCEL_WORKFLOW, {"wid": workflow_instance_id})
    return int(getattr(result, "rowcount", 0) or 0)


async def _still_active(session: AsyncSession, timer: TimerRow) -> tuple[bool, int | None]:
    """(whether the timer's task, or else its workflow, is still active; the task's assignee), the task locked."""
    if timer.task_instance_id is None:
        active = (await session.execute(_WORKFLOW, {"wid": timer.workflow_instance_id})).scalar()
        return bool(active), None
    row = (await session.execute(_TASK, {"tid": timer.task_instance_id})).first()
    if row is None:
        return False, None
    return bool(row.task_active and row.workflow_active), row.assigned_to


async def _remind(session: AsyncSession, timer: TimerRow) -> str:
    """A reminder for the task's assignee in the ticket's timeline; the next one is scheduled `every` later.

    Payload: {"every": "<ISO 8601 duration>", "times": n (1..MAX_REMINDERS, default 1), "sent": reminders so far}.
    """
    active, assignee = await _still_active(session, timer)
    if not active:
        return SKIPPED
    times = min(max(int(timer.payload.get("times", 1)), 1), MAX_REMINDERS)
    number = int(timer.payload.get("sent", 0)) + 1
    await audit.record(session, None, company_id=timer.company_id, entity="task",
                       entity_id=timer.task_instance_id or 0, action=REMINDER_EVENT,
                       after={"timer_id": timer.id, "assignee_id": assignee, "reminder": number, "of": times,
                              "due_at": timer.due_at.isoformat()})
    if number < times:
        try:
            every = parse_duration(timer.payload.get("every"))
        except DurationError:
            return FIRED  # the bundle was validated at save: a payload without a usable `every` sends one reminder
        await schedule(session, company_id=timer.company_id, workflow_instance_id=timer.workflow_instance_id,
                       task_instance_id=timer.task_instance_id, kind=REMIND, due_at=timer.due_at + every,
                       payload={**timer.payload, "sent": number})
    return FIRED


_MARK_FIRING = text("UPDATE timers SET fired_at = clock_timestamp() WHERE id = :id")


async def record_fired(session: AsyncSession, timer: TimerRow, assignee: int | None = None,
                       **extra: Any) -> None:
    """The `timer_fired` event of a timer (entity task, or workflow for a timer of no task) for the timeline; the
    timer row is marked fired first, so an effect that finishes its task does not drop its own timer."""
    await session.execute(_MARK_FIRING, {"id": timer.id})
    task = timer.task_instance_id
    await audit.record(session, None, company_id=timer.company_id, entity="task" if task else "workflow",
                       entity_id=task or timer.workflow_instance_id, action=TIMER_EVENT,
                       after={"timer_id": timer.id, "kind": timer.kind, "due_at": timer.due_at.isoformat(),
                              "assignee_id": assignee, **extra})


async def still_active(session: AsyncSession, timer: TimerRow) -> tuple[bool, int | None]:
    """Whether the timer's task (else its workflow) is still active, and the task's assignee; the task locked."""
    return await _still_active(session, timer)


async def _record(session: AsyncSession, timer: TimerRow) -> str:
    """A timer whose work is only its event: a DUE timer (the task became overdue; its assignee in the event),
    and the engine's kinds on something they cannot act on (see _timer_effects)."""
    active, assignee = await _still_active(session, timer)
    if not active:
        return SKIPPED
    await record_fired(session, timer, assignee)
    return FIRED


# The one dispatch table: kind -> effect. TASK_TIMER and TIMEOUT need the engine (services/workflow/_runtime), which
# imports this module: _timer_effects.py puts its effects here when imported, and timers.py (the only code that
# fires timers) imports it. Until then they only record their event.
EFFECTS: dict[str, Effect] = {
    TASK_TIMER: _record,
    TIMEOUT: _record,
    REMIND: _remind,
    DUE: _record,
}
