"""Pure helpers of the ticket and task pages: paging math, readable times, DTO → plain row dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tfai.domain.layout import form_fields

PAGE_SIZE = 25
EMPTY = "—"
FILES_URL = "/api/v1/files/"


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    """How many pages `total` rows fill (at least one, so 'page 1 of 1' reads well when empty)."""
    return max(1, (max(0, int(total)) + page_size - 1) // page_size)


def clamp_page(page: int, total: int, page_size: int = PAGE_SIZE) -> int:
    """The page number moved into 1..page_count."""
    return min(max(1, int(page)), page_count(total, page_size))


def fmt_time(value: datetime | str | None) -> str:
    """A readable UTC time such as '3 Mar 2025, 14:05 UTC' ('—' when there is none)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        raw = value
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            return raw
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    v = value.astimezone(UTC)
    return f"{v.day} {v.strftime('%b %Y, %H:%M')} UTC"


def fmt_ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, for people: 'just now', '5 min ago', '3 h ago', '2 d ago', else the date ('—' for none)."""
    if value is None:
        return EMPTY
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} d ago"
    v = value.astimezone(UTC)
    return f"{v.day} {v.strftime('%b %Y')}"


def fmt_size(size: int) -> str:
    """A file size for people: bytes, KB or MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def id_from_path(path: str, prefix: str) -> int | None:
    """The positive integer after `prefix` in a URL path ('/tickets/12' with '/tickets/' → 12), else None."""
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix):].strip("/")
    if not rest.isdigit() or len(rest) > 18 or int(rest) <= 0:
        return None
    return int(rest)


def fmt_value(value: Any) -> str:
    """One JSON value as text: Yes/No, comma lists, compact JSON for objects, '—' for nothing."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)[:2000]
    return str(value)


def _humanize(name: str) -> str:
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def label_values(schema: dict[str, Any] | None, layout: Mapping[str, Any] | None, values: Any) -> list[dict[str, str]]:
    """Label/value pairs of an object in its layout's order; keys the schema does not describe follow."""
    if not isinstance(values, dict):
        return [] if values is None else [{"label": "Value", "value": fmt_value(values), "section": ""}]
    fields = form_fields(schema or {}, dict(layout) if layout else None)
    out = [{"label": f.label, "value": fmt_value(values.get(f.name)), "section": f.section or ""}
           for f in fields if f.widget != "file" or f.name in values]
    known = {f.name for f in fields}
    out.extend({"label": _humanize(k), "value": fmt_value(v), "section": ""}
               for k, v in values.items() if k not in known)
    return out


def status_text(workflow_status: str) -> str:
    """A workflow status in words ('ON_HOLD' → 'On hold')."""
    return _humanize(workflow_status.lower()) if workflow_status else EMPTY


# The one colour mapping of task (OPEN … ERROR) and workflow (IN_PROGRESS … ON_HOLD) statuses, used by every badge.
STATUS_COLORS = {"OPEN": "blue", "IN_PROGRESS": "blue", "PENDING": "amber", "ON_HOLD": "amber",
                 "COMPLETED": "green", "CANCELLED": "gray", "ERROR": "red"}


def status_color(status: str) -> str:
    """A badge colour for a workflow or task status (STATUS_COLORS; gray when unknown)."""
    return STATUS_COLORS.get(status, "gray")


def _task_ref(ref: Any) -> tuple[str, str]:
    if ref is None:
        return "", ""
    who = ref.assignee_email or "unassigned"
    return f"{ref.title} ({status_text(ref.status).lower()})", who


# A list row names at most this many of a ticket's current tasks (parallel branches, for-each items), then "+n more".
ROW_TASKS = 3


def _task_refs(t: Any) -> tuple[str, str]:
    """The ticket's current tasks (current_tasks, else current_task) and their assignees, each joined by ', '."""
    refs = list(t.current_tasks) or ([t.current_task] if t.current_task is not None else [])
    shown = [_task_ref(r) for r in refs[:ROW_TASKS]]
    more = f" +{len(refs) - ROW_TASKS} more" if len(refs) > ROW_TASKS else ""
    return ", ".join(task for task, _ in shown) + more, ", ".join(dict.fromkeys(who for _, who in shown))


def ticket_row(t: Any) -> dict[str, str]:
    """What a ticket list row shows (a TicketSummaryDTO)."""
    task, who = _task_refs(t)
    return {"id": str(t.id), "number": f"#{t.id}", "title": t.title, "type": t.ticket_type_title, "status": t.status,
            "workflow_status": t.workflow_status, "status_text": status_text(t.workflow_status),
            "status_color": status_color(t.workflow_status), "current_task": task or EMPTY,
            "assignee": who or EMPTY, "requester": t.created_by_email or EMPTY,
            "created": fmt_time(t.created_at), "updated": fmt_time(t.updated_at), "href": f"/tickets/{t.id}",
            "created_ago": fmt_ago(t.created_at), "updated_ago": fmt_ago(t.updated_at)}


def task_row(t: Any) -> dict[str, str]:
    """What a task list row shows (a TaskSummaryDTO)."""
    return {"id": str(t.id), "title": t.title, "type": t.type, "status": t.status,
            "status_text": status_text(t.status), "status_color": status_color(t.status),
            "ticket_id": str(t.ticket_id), "ticket_title": t.ticket_title, "ticket_type": t.ticket_type,
            "assignee": t.assignee_email or "unassigned", "created": fmt_time(t.created_at),
            "assigned": fmt_time(t.assigned_at), "completed": fmt_time(t.completed_at),
            "href": f"/tasks/{t.id}", "ticket_href": f"/tickets/{t.ticket_id}", "created_ago": fmt_ago(t.created_at),
            "assigned_ago": fmt_ago(t.assigned_at), "completed_ago": fmt_ago(t.completed_at)}


def waits_for_worker(t: Any) -> bool:
    """A FORM task (a TaskSummaryDTO or TaskDetailDTO) no available worker could take: PENDING, nobody assigned."""
    return t.type == "FORM" and t.status == "PENDING" and t.assignee_id is None


def timeline_row(x: Any) -> dict[str, Any]:
    """One task of a ticket's timeline (a TimelineTaskDTO) with its output as label/value pairs."""
    return {"id": str(x.id), "title": x.title, "type": x.type, "status": x.status,
            "status_text": status_text(x.status), "status_color": status_color(x.status),
            "assignee": x.assignee_email or ("automatic" if x.type != "FORM" else "unassigned"),
            "completed_by": x.completed_by_email or "", "created": fmt_time(x.created_at),
            "completed": fmt_time(x.completed_at) if x.completed_at else "", "error": x.error or "",
            "outputs": label_values(x.output_schema, x.display_layout, x.output), "href": f"/tasks/{x.id}",
            "due": fmt_time(x.due_at) if x.due_at else "",
            "events": [{"text": e.text, "when": fmt_time(e.at)} for e in x.events]}


def comment_row(c: Any) -> dict[str, str]:
    return {"id": str(c.id), "author": c.author_email or "someone", "body": c.body, "created": fmt_time(c.created_at)}


def file_row(f: Any, *, older: bool = False) -> dict[str, str]:
    """An attachment with its access-checked download link (never Reflex's public upload folder)."""
    return {"id": str(f.id), "filename": f.filename, "size": fmt_size(int(f.size)), "type": f.content_type,
            "created": fmt_time(f.created_at), "href": f"{FILES_URL}{f.id}", "version": f"v{f.version}",
            "older": "yes" if older else ""}


def file_rows(files: Any) -> list[dict[str, str]]:
    """A ticket's attachments, each newest version followed by its older ones (marked `older`)."""
    return [row for f in files for row in (file_row(f), *(file_row(o, older=True) for o in f.older_versions))]
