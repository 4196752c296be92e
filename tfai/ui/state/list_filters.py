"""Pure parsing of the admin list filters (form strings → typed service arguments) and their options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tfai.domain.lifecycle import ACTIVE_WORKFLOW, ARCHIVED_WORKFLOW

TASK_STATUSES = ("PENDING", "OPEN", "IN_PROGRESS", "ERROR", "COMPLETED", "CANCELLED")
WORKFLOW_STATUSES = tuple(s.value for s in (*ACTIVE_WORKFLOW, *ARCHIVED_WORKFLOW))
TICKET_SORTS: dict[str, str] = {"-created": "Newest first", "created": "Oldest first",
                                "-updated": "Recently updated", "title": "Title A–Z"}
TASK_SORTS: dict[str, str] = {"created": "Oldest first", "-created": "Newest first",
                              "-assigned": "Recently assigned", "-completed": "Recently completed",
                              "status": "Status"}
ANY = "any"


@dataclass(frozen=True)
class Filters:
    """What an admin list asks the service for (None means no filter)."""

    search: str = ""
    ticket_type: str | None = None
    status: str | None = None
    assignee_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    sort: str = "-created"


def parse_day(raw: Any) -> date | None:
    """An ISO day ('2025-03-01') or None when empty or unreadable."""
    text = str(raw or "").strip()[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _choice(raw: Any, allowed: Mapping[str, Any] | tuple[str, ...], default: str | None) -> str | None:
    text = str(raw or "").strip()
    return text if text in allowed else default


def parse_filters(form: Mapping[str, Any], *, sorts: Mapping[str, str], default_sort: str,
                  statuses: tuple[str, ...] = ()) -> tuple[Filters, dict[str, str]]:
    """Typed filters from the filter form, plus {field: message} for values that cannot be read.

    The 'to' day is inclusive (it becomes the start of the next day for the service's '<').
    """
    errors: dict[str, str] = {}
    start, end = parse_day(form.get("created_from")), parse_day(form.get("created_to"))
    for name, value in (("created_from", start), ("created_to", end)):
        if str(form.get(name) or "").strip() and value is None:
            errors[name] = "Enter a date like 2025-03-01"
    if start and end and end < start:
        errors["created_to"] = "The end is before the start"
    assignee = str(form.get("assignee") or "").strip()
    ttype = str(form.get("ticket_type") or "").strip()[:64]
    filters = Filters(
        search=str(form.get("search") or "").strip()[:200],
        ticket_type=None if ttype in ("", ANY) else ttype,
        status=_choice(form.get("status"), statuses, None),
        assignee_id=int(assignee) if assignee.isdigit() and len(assignee) < 18 else None,
        created_from=datetime.combine(start, datetime.min.time(), UTC) if start else None,
        created_to=datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC) if end else None,
        sort=_choice(form.get("sort"), sorts, default_sort) or default_sort,
    )
    return filters, errors


def options(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    """[{value, label}] for a select."""
    return [{"value": k, "label": v} for k, v in mapping.items()]


def status_options(statuses: tuple[str, ...]) -> list[dict[str, str]]:
    """'Any status' plus the statuses, labelled for people ('IN_PROGRESS' → 'In progress')."""
    return [{"value": ANY, "label": "Any status"},
            *({"value": s, "label": s.replace("_", " ").capitalize()} for s in statuses)]


def worker_options(users: list[Any]) -> list[dict[str, str]]:
    """Active task workers as picker options (a UserDTO list), by name."""
    rows = [u for u in users if u.is_active and "task_worker" in u.system_roles]
    return [{"value": str(u.id), "label": f"{u.first_name} {u.last_name}".strip() + f" <{u.email}>"
             + ("" if u.available else " (away)")} for u in rows]
