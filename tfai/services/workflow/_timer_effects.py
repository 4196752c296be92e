"""What the engine's timers do when they fire: a TIMER task completes, a timeout interrupts its task.

Registered into _timers.EFFECTS on import (timers.py reads the table through effect_for here): _runtime imports
_timers to schedule and cancel timers, so _timers cannot import _runtime itself. Lock order, as everywhere for
timers: the timer row (the claim), then the task (still_active locks it), then the workflow (advance / interrupt).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.tables import TaskType
from tfai.db.tables.common import utcnow
from tfai.services.definitions import _cache
from tfai.services.workflow import _runtime, _timers
from tfai.services.workflow._timers import FIRED, SKIPPED, Effect, TimerRow


async def _fire_timer_task(session: AsyncSession, timer: TimerRow) -> str:
    """A TIMER task's time came: it completes with {"fired_at": now} and its workflow goes on. On any other task
    (or none) the timer only records its event."""
    active, assignee = await _timers.still_active(session, timer)
    if not active:
        return SKIPPED
    task = await _runtime.lock_task(session, timer.task_instance_id or 0)
    fired_at = utcnow().isoformat()
    await _timers.record_fired(session, timer, assignee, fired_at=fired_at)
    if task is None:
        return FIRED
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    if task_def.t_type == TaskType.TIMER:
        await _runtime.advance(session, None, task, {"fired_at": fired_at})
    return FIRED


async def _time_out(session: AsyncSession, timer: TimerRow) -> str:
    """No answer within `after`: the task (its whole for_each group, a CALL's child) is cancelled and the workflow
    continues at `to` (payload {"after", "to"}); the `interrupted` event says why."""
    active, assignee = await _timers.still_active(session, timer)
    if not active:
        return SKIPPED
    after, to = timer.payload.get("after"), timer.payload.get("to")
    await _timers.record_fired(session, timer, assignee, to=to)
    task = await _runtime.lock_task(session, timer.task_instance_id or 0)
    if task is None or not isinstance(to, str):
        return FIRED
    await _runtime.interrupt(session, task, to, f"No answer within {after}")
    return FIRED


_timers.EFFECTS.update({_timers.TASK_TIMER: _fire_timer_task, _timers.TIMEOUT: _time_out})


def effect_for(kind: str) -> Effect | None:
    """What firing a timer of `kind` does (the one table, _timers.EFFECTS, with the engine's effects in it)."""
    return _timers.EFFECTS.get(kind)
