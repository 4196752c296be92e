"""The time events of a ticket's tasks for its timeline: reminders, timers that fired, timeouts (in-transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import AuditLog
from tfai.services.tickets.dto import TimelineEventDTO

# Audit actions on a task the timeline shows (services/workflow/_timers.py and _runtime.interrupt write them).
EVENTS = ("reminder", "timer_fired", "interrupted")


def _text(action: str, after: dict[str, Any]) -> str | None:
    """What a person reads for one event; None: not shown (a timeout's firing: its `interrupted` event says it)."""
    if action == "reminder":
        return f"Reminder {after.get('reminder', 1)} of {after.get('of', 1)} sent to the assignee"
    if action == "interrupted":
        return f"{after.get('reason') or 'Interrupted'}: cancelled, the workflow continued at {after.get('to')!r}"
    kind = after.get("kind")
    if kind == "task_timer":
        return "Timer fired"
    if kind == "due":
        return "Overdue: the due date passed"
    return None


async def task_events(session: AsyncSession, task_ids: Sequence[int]) -> dict[int, list[TimelineEventDTO]]:
    """Each task's time events, oldest first (tasks without any are left out)."""
    if not task_ids:
        return {}
    rows = (await session.execute(
        select(AuditLog).where(col(AuditLog.entity) == "task", col(AuditLog.entity_id).in_([str(i) for i in task_ids]),
                               col(AuditLog.action).in_(EVENTS)).order_by(col(AuditLog.id)))).scalars().all()
    out: dict[int, list[TimelineEventDTO]] = {}
    for row in rows:
        after = row.after if isinstance(row.after, dict) else {}
        text = _text(row.action, after)
        if text is not None:
            kind = "timeout" if row.action == "interrupted" else str(after.get("kind") or row.action)
            out.setdefault(int(row.entity_id), []).append(TimelineEventDTO(kind=kind, at=row.created_at, text=text))
    return out
