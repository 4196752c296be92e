"""State of the ticket detail page: fields, status, timeline, comments, attachments, edits, withdrawal, steering."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_COMMENT, MAX_FILES
from tfai.domain.policy import Actor
from tfai.services.tickets import attachments, editing, moving, tracking
from tfai.settings import get_settings
from tfai.ui.state import toast
from tfai.ui.state.auth import AuthState
from tfai.ui.state.detail_helpers import load_error, service_error, url_id
from tfai.ui.state.form_values import error_message, field_errors, with_attachment_ids
from tfai.ui.state.guard import guarded
from tfai.ui.state.schema_form import SchemaFormMixin
from tfai.ui.state.work_rows import (
    comment_row,
    file_rows,
    fmt_size,
    fmt_time,
    label_values,
    status_color,
    status_text,
    timeline_row,
)


def current_view(cur: Any) -> dict[str, str]:
    """The current task in short (a TaskRefDTO or None → {})."""
    if cur is None:
        return {}
    return {"title": cur.title, "status_text": status_text(cur.status), "status_color": status_color(cur.status),
            "assignee": cur.assignee_email or ("automatic" if cur.type != "FORM" else "waiting for a worker"),
            "href": f"/tasks/{cur.id}"}


def current_list(t: Any) -> list[dict[str, str]]:
    """Every current task in short: the detail's current_tasks, else its current_task alone."""
    refs = list(t.current_tasks) or ([t.current_task] if t.current_task is not None else [])
    return [current_view(r) for r in refs]


def ticket_view(t: Any) -> dict[str, str]:
    """The plain values of a TicketDetailDTO the page shows (no schemas, no internal ids but the ticket's)."""
    return {
        "title": t.title, "number": f"#{t.id}", "type_title": t.ticket_type_title, "status": t.status,
        "workflow_status": t.workflow_status, "status_text": status_text(t.workflow_status),
        "status_color": status_color(t.workflow_status), "hold_reason": t.hold_reason or "",
        "requester": t.created_by_email or "—", "created": fmt_time(t.created_at), "updated": fmt_time(t.updated_at),
        "completed": fmt_time(t.completed_at) if t.completed_at else "",
    }


def change_row(c: Any) -> dict[str, str]:
    """One field edit for the timeline: who changed which field from what to what."""
    def shown(value: Any) -> str:
        return "—" if value is None else json.dumps(value, ensure_ascii=False)[:200]

    return {"field": c.field, "before": shown(c.before), "after": shown(c.after),
            "who": c.changed_by_email or "—", "when": fmt_time(c.changed_at)}


MOVE_FIELDS = ("task", "reason")


def edit_file_choices(files: list[Any]) -> dict[str, str]:
    """The Edit dialog's choices for a `file` field, label → attachment id: every version of every attachment
    (FileDTOs, newest first with their older versions), e.g. "quote.pdf v2 (#17)"."""
    out: dict[str, str] = {}
    for f in files:
        for v in (f, *f.older_versions):
            out[f"{v.filename} v{v.version} (#{v.id})"] = str(v.id)
    return out


def with_file_choices(fields: list[dict[str, Any]], choices: dict[str, str]) -> list[dict[str, Any]]:
    """`file` fields become a select among the ticket's attachments, showing the one the field names now; without
    attachments they stay `file` (the dialog says where to add one)."""
    if not choices:
        return fields
    by_id = {file_id: label for label, file_id in choices.items()}
    return [{**f, "widget": "select", "options": list(choices), "value": by_id.get(str(f["value"]), "")}
            if f["widget"] == "file" else f for f in fields]


def workflow_pairs(t: Any) -> list[dict[str, str]]:
    """The workflow fields in the workflow's display_layout, for the readers the service gives them to (admins,
    ticket admins, assignees: only they get a schema); [] for everyone else and for workflows without fields."""
    if not t.workflow_fields_schema:
        return []
    return label_values(t.workflow_fields_schema, t.workflow_display_layout, t.workflow_fields)


def move_options(choices: list[Any]) -> list[dict[str, str]]:
    """The Move dialog's choices (TaskChoiceDTOs): the task's title with its key, which titles may share."""
    return [{"value": c.key, "label": f"{c.title} ({c.key})"} for c in choices]


def move_failure(exc: TfaiError) -> tuple[dict[str, str], str]:
    """A refused move as the dialog shows it: errors under the task and reason fields, anything else in a summary."""
    errors = {k: v for k, v in field_errors(exc).items() if k in MOVE_FIELDS}
    return errors, "" if errors else error_message(exc)


class TicketDetailState(SchemaFormMixin, AuthState):
    """Everything shown is copied from the service's DTO; the ticket id is re-read from the URL on load.

    The edit form is the mixin's; the type's schema, layout and the current values stay backend-only.
    """

    _tid: int = 0
    ticket: dict[str, str] = {}
    current_list: list[dict[str, str]] = []  # every current task (parallel branches, for-each items), newest first
    ticket_fields: list[dict[str, str]] = []
    timeline: list[dict[str, Any]] = []
    comments: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    loading: bool = False
    loaded: bool = False
    error: str = ""
    notice: str = ""
    comment_error: str = ""
    comment_key: int = 0
    upload_error: str = ""
    upload_busy: bool = False
    max_upload: int = 25 * 1024 * 1024
    max_upload_text: str = ""
    steer_error: str = ""
    hold_open: bool = False
    changes: list[dict[str, str]] = []
    can_edit: bool = False
    can_withdraw: bool = False
    edit_open: bool = False
    workflow_pairs: list[dict[str, str]] = []
    move_choices: list[dict[str, str]] = []
    move_open: bool = False
    move_errors: dict[str, str] = {}
    move_error: str = ""
    _fields_schema: dict[str, Any] = {}
    _edit_layout: dict[str, Any] | None = None
    _values: dict[str, Any] = {}
    _file_fields: list[str] = []
    _file_choices: dict[str, str] = {}

    async def _refresh(self, actor: Actor) -> None:
        t = await tracking.get_ticket(actor, self._tid)
        self.ticket, self.current_list = ticket_view(t), current_list(t)
        self.ticket_fields = label_values(t.fields_schema, t.display_layout, t.fields)
        self.timeline = [timeline_row(x) for x in t.timeline]
        self.comments = [comment_row(c) for c in t.comments]
        self.attachments = file_rows(t.attachments)
        self.changes = [change_row(c) for c in t.changes]
        self.can_edit, self.can_withdraw = t.can_edit, t.can_withdraw
        self.workflow_pairs = workflow_pairs(t)
        self.move_choices = move_options(t.move_choices)
        self._fields_schema, self._edit_layout, self._values = t.fields_schema, t.edit_layout, dict(t.fields)
        self._file_choices = edit_file_choices(t.attachments)

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> AsyncIterator[Any]:
        self._tid, query = url_id(self.router, "/tickets/")
        submitted = bool(query.get("submitted"))
        self.loading, self.loaded, self.ticket, self.error, self.steer_error = True, False, {}, "", ""
        self.upload_error, self.comment_error, self.hold_open, self.move_open = "", "", False, False
        self.notice = "Your ticket is submitted. You can follow it here." if submitted else ""
        limit = get_settings().max_upload_bytes
        self.max_upload, self.max_upload_text = limit, fmt_size(limit)
        yield
        try:
            self.error = await load_error(lambda: self._refresh(actor), self._tid, "Ticket not found")
            if self.error:
                self.ticket = {}
        finally:
            self.loading, self.loaded = False, True

    @rx.event
    @guarded()
    async def add_comment(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        body = str(form_data.get("body", ""))[: MAX_COMMENT + 1]
        self.comment_error = await service_error(lambda: tracking.add_comment(actor, self._tid, body=body),
                                                 lambda: self._refresh(actor))
        if not self.comment_error:
            self.comment_key += 1
        return None

    @rx.event
    @guarded()
    async def upload(self, actor: Actor, uploads: list[rx.UploadFile]) -> AsyncIterator[Any]:
        if not uploads:
            self.upload_error = "Choose a file first."
            return
        self.upload_busy, self.upload_error = True, ""
        yield
        problems: list[str] = []
        for f in uploads[:MAX_FILES]:
            name = f.name or "file"
            data = await f.read(self.max_upload + 1)
            if len(data) > self.max_upload:
                problems.append(f"{name}: larger than {self.max_upload_text}")
                continue
            try:
                await attachments.add_attachment(actor, self._tid, filename=name, content_type=f.content_type or "",
                                           data=data)
            except TfaiError as exc:
                problems.append(f"{name}: {error_message(exc)}")
        if len(uploads) > MAX_FILES:
            problems.append(f"Only {MAX_FILES} files at a time.")
        try:
            await self._refresh(actor)
        except TfaiError as exc:
            problems.append(error_message(exc))
        self.upload_error, self.upload_busy = " · ".join(problems), False
        yield rx.clear_selected_files("attachment-upload")

    @guarded()
    async def _steer(self, actor: Actor, call: Callable[[Actor], Awaitable[Any]], notice: str) -> Any:
        self.steer_error = await service_error(lambda: call(actor), lambda: self._refresh(actor))
        if self.steer_error:
            self.notice = ""
            return toast.error("Not changed: " + self.steer_error)
        self.notice, self.hold_open = notice, False
        return toast.success("Saved: " + notice.removeprefix("The ticket is ").rstrip(".").capitalize())

    @rx.event
    async def cancel(self) -> Any:
        return await self._steer(lambda a: tracking.cancel_ticket(a, self._tid), "The ticket is cancelled.")

    @rx.event
    async def hold(self, form_data: dict[str, Any]) -> Any:
        reason = str(form_data.get("reason", ""))[:2001]
        return await self._steer(lambda a: tracking.hold_ticket(a, self._tid, reason=reason),
                                 "The ticket is on hold.")

    @rx.event
    async def resume(self) -> Any:
        return await self._steer(lambda a: tracking.resume_ticket(a, self._tid), "The ticket is resumed.")

    @rx.event
    def set_hold_open(self, value: bool) -> None:
        self.hold_open, self.steer_error = bool(value), ""

    @rx.event
    async def withdraw(self, form_data: dict[str, Any]) -> Any:
        reason = str(form_data.get("reason", ""))[:2001]
        return await self._steer(lambda a: tracking.cancel_ticket(a, self._tid, reason=reason),
                                 "The ticket is withdrawn.")

    @rx.event
    def set_edit_open(self, value: bool) -> None:
        if value:  # the form starts from the ticket's values as they are now
            self._form_setup(self._fields_schema, self._edit_layout, values=self._values)
            self._file_fields = [f["name"] for f in self.fields if f["widget"] == "file"]
            self.fields = with_file_choices(self.fields, self._file_choices)
        self.edit_open = bool(value) and self.can_edit

    @rx.event
    @guarded()
    async def save_edit(self, actor: Actor, form_data: FormData) -> AsyncIterator[Any]:
        values = self._form_collect(form_data)
        if values is None:
            return
        values = with_attachment_ids(values, self._file_fields, self._file_choices)
        self.form_busy = True
        yield
        try:
            changes = await editing.edit_ticket(actor, self._tid, fields=values)
            await self._refresh(actor)
        except TfaiError as exc:
            self._form_fail(exc)
            self.form_busy = False
            return
        self.form_busy, self.edit_open = False, False
        self.notice = "The ticket's fields are saved." if changes else ""
        yield toast.success("Saved: the ticket's fields")

    @rx.event
    def set_move_open(self, value: bool) -> None:
        self.move_open = bool(value) and bool(self.move_choices)
        self.move_errors, self.move_error = {}, ""

    @rx.event
    @guarded()
    async def move(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        task = str(form_data.get("task", ""))[:200]
        reason = str(form_data.get("reason", ""))[:2001]
        try:
            moved = await moving.move_ticket(actor, self._tid, task=task, reason=reason)
        except TfaiError as exc:
            self.move_errors, self.move_error = move_failure(exc)
            return None
        self.move_open, self.move_errors, self.move_error, self.steer_error = False, {}, "", ""
        self.notice = f"The ticket is moved to {moved.task.title}."
        self.steer_error = await service_error(lambda: self._refresh(actor))
        return toast.success("Saved: moved to " + moved.task.title)
