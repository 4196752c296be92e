"""Pure helpers of the staff pages: the banner text, company, grant and audit rows, grant form checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tfai.domain.limits import STAFF_GRANT_DEFAULT_MINUTES
from tfai.ui.state.assistant_helpers import when

MAX_JSON = 2000


def banner_text(company: str, reason: str, expires_at: datetime) -> str:
    """'Acting in COMPANY as Ticketflower staff · reason · until HH:MM UTC' (the Exit button follows it)."""
    v = expires_at if expires_at.tzinfo is not None else expires_at.replace(tzinfo=UTC)
    return f"Acting in {company} as Ticketflower staff · {reason} · until {v.astimezone(UTC):%H:%M} UTC"


def company_row(c: Any) -> dict[str, Any]:
    return {"id": str(c.company_id), "name": str(c.name), "users": int(c.users), "tickets": int(c.tickets),
            "open_tasks": int(c.open_tasks), "last_activity": when(c.last_activity) or "never",
            "write_allowed": bool(c.staff_write_allowed)}


def duration(total_minutes: int) -> str:
    """'1 h 30 min', '45 min', '2 h'."""
    hours, minutes = divmod(int(total_minutes), 60)
    return ((f"{hours} h " if hours else "") + (f"{minutes} min" if minutes or not hours else "")).strip()


def grant_row(g: Any) -> dict[str, Any]:
    """Who, when, why, mode, duration, status, and the changes and views made under a grant, as plain values."""
    return {"id": str(g.grant_id), "who": str(g.staff_email), "when": when(g.created_at), "why": str(g.reason),
            "mode": "read-write" if g.mode == "write" else "read-only", "duration": duration(int(g.minutes)),
            "until": when(g.ended_at or g.expires_at), "status": str(g.status), "actions": int(g.actions),
            "views": int(g.views)}


# What each status of one's own grant means on the staff console (Enter is offered for "active" only).
OWN_GRANT_STATUS = {"pending": "waiting for approval", "active": "approved, live", "denied": "refused",
                    "expired": "expired", "ended": "ended"}


def own_grant_row(g: Any) -> dict[str, Any]:
    """One of the staff member's own grants: where, when, mode, duration, status in words, whether to offer Enter."""
    return {"id": str(g.grant_id), "company": str(g.company_name), "when": when(g.created_at), "why": str(g.reason),
            "mode": "read-write" if g.mode == "write" else "read-only", "duration": duration(int(g.minutes)),
            "until": when(g.ended_at or g.expires_at), "status": str(g.status),
            "status_text": OWN_GRANT_STATUS.get(str(g.status), str(g.status)), "can_enter": bool(g.can_enter)}


def _short(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_JSON else text[:MAX_JSON] + "…"


def audit_row(a: Any) -> dict[str, Any]:
    """One audit entry; 'who' names the staff member behind a grant."""
    who = str(a.actor_email or (f"user #{a.actor_user_id}" if a.actor_user_id else "system"))
    if a.staff_grant_id is not None:
        who = f"{a.staff_email or 'staff'} (Ticketflower staff, grant #{a.staff_grant_id})"
    return {"id": str(a.id), "when": when(a.created_at), "entity": str(a.entity), "entity_id": str(a.entity_id),
            "action": str(a.action), "who": who, "before": _short(a.before), "after": _short(a.after)}


def parse_minutes(raw: Any) -> int | None:
    """The duration field as an int, or None when it is not a whole number."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return STAFF_GRANT_DEFAULT_MINUTES
    try:
        return int(text)
    except ValueError:
        return None


def parse_actor_filter(raw: Any) -> tuple[int | None, str]:
    """The audit log's actor filter (a user id) and a message when it is not a number."""
    text = str(raw or "").strip().lstrip("#")
    if not text:
        return None, ""
    if not text.isdigit() or len(text) > 12:
        return None, "Enter a user id (a number)"
    return int(text), ""
