"""State of a task's page: the input read-only, the output form for open FORM tasks, admin steering."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.lifecycle import OPEN_TASK, REASSIGNABLE_TASK
from tfai.domain.policy import Actor
from tfai.services.accounts import users
from tfai.services.tasks import work
from tfai.ui.state.auth import AuthState
from tfai.ui.state.detail_helpers import load_error, service_error, url_id
from tfai.ui.state.form_values import attachment_label, with_attachment_choices, with_attachment_ids
from tfai.ui.state.guard import guarded
from tfai.ui.state.list_filters import worker_options
from tfai.ui.state.schema_form import SchemaFormMixin
from tfai.ui.state.work_rows import EMPTY, fmt_time, label_values, status_color, status_text, waits_for_worker

NEXT_NOTE = "Task completed. Here is your next one."
MAX_WORKER_PAGES = 10


def task_view(t: Any) -> dict[str, str]:
    """The plain values of a TaskDetailDTO the page shows."""
    return {"title": t.title, "number": f"#{t.id}", "description": t.description or "", "type": t.type,
            "status": t.status, "status_text": status_text(t.status), "status_color": status_color(t.status),
            "ticket_title": t.ticket_title, "ticket_href": f"/tickets/{t.ticket_id}", "ticket_type": t.ticket_type,
            "assignee": t.assignee_email or ("automatic" if t.type != "FORM" else "unassigned"),
            "assignee_id": str(t.assignee_id or ""), "created": fmt_time(t.created_at),
            "assigned": fmt_time(t.assigned_at), "started": fmt_time(t.started_at) if t.started_at else "",
            "completed": fmt_time(t.completed_at),
            "completed_by": t.completed_by_email or EMPTY, "error": t.error or "", "attempts": str(t.attempts),
            "workflow_status": status_text(t.workflow_status), "hold_reason": t.hold_reason or ""}


def attempt_row(a: Any) -> dict[str, str]:
    return {"attempt": str(a.attempt), "started": fmt_time(a.started_at), "finished": fmt_time(a.finished_at),
            "status_code": str(a.status_code) if a.status_code is not None else EMPTY,
            "duration": f"{a.duration_ms} ms" if a.duration_ms is not None else EMPTY, "error": a.error or ""}


def can_complete(t: Any, actor_id: int, is_ticket_admin: bool) -> bool:
    """True when the page should offer the output form (the service decides again on submit): my open FORM task,
    or any unfinished one for ticket admins and admins, a PENDING one no worker could take included."""
    return t.type == "FORM" and t.status in OPEN_TASK and (t.assignee_id == actor_id or is_ticket_admin)


def can_take(t: Any, actor_id: int, is_ticket_admin: bool, is_worker: bool) -> bool:
    """True when the page should offer "Assign to me": a ticket admin or admin who is a task worker, on an
    unfinished FORM task someone else holds or nobody does (the service checks the worker is active)."""
    return (is_ticket_admin and is_worker and t.type == "FORM" and t.status in REASSIGNABLE_TASK
            and t.assignee_id != actor_id)


def can_start(t: Any, actor_id: int) -> bool:
    """True when the page should offer Start: my OPEN FORM task (starting is optional; the form stays usable)."""
    return t.type == "FORM" and t.status == "OPEN" and t.assignee_id == actor_id


class TaskDetailState(SchemaFormMixin, AuthState):
    """The output schema stays backend-only in the mixin; the browser gets field dicts and label/value pairs."""

    _kid: int = 0
    _file_fields: list[str] = []
    _file_choices: dict[str, str] = {}
    task: dict[str, str] = {}
    input_pairs: list[dict[str, str]] = []
    output_pairs: list[dict[str, str]] = []
    ticket_pairs: list[dict[str, str]] = []
    attempts: list[dict[str, str]] = []
    workers: list[dict[str, str]] = []
    completable: bool = False
    startable: bool = False
    retryable: bool = False
    reassignable: bool = False
    takeable: bool = False
    waiting: bool = False
    loading: bool = False
    loaded: bool = False
    error: str = ""
    notice: str = ""
    steer_error: str = ""

    async def _refresh(self, actor: Actor) -> None:
        t = await work.get_task(actor, self._kid)
        admin = self.is_ticket_admin
        self.task = task_view(t)
        self.input_pairs = label_values(t.input_schema, None, t.input)
        self.output_pairs = label_values(t.output_schema, t.display_layout or t.edit_layout, t.output)
        self.ticket_pairs = label_values(None, None, t.ticket_fields)
        self.attempts = [attempt_row(a) for a in t.action_attempts] if admin else []
        self.completable = can_complete(t, actor.user_id, admin)
        self.startable = can_start(t, actor.user_id)
        self.retryable = admin and t.status == "ERROR"
        self.reassignable = admin and t.type == "FORM" and t.status in REASSIGNABLE_TASK
        self.takeable = can_take(t, actor.user_id, admin, self.is_worker)
        self.waiting = admin and waits_for_worker(t)
        if self.completable:
            self._form_setup(t.output_schema or {"type": "object"}, t.edit_layout, values=None)
            # A `file` field's value is an attachment id; the form offers the ticket's files by name.
            self._file_fields = [f["name"] for f in self.fields if f["widget"] == "file"]
            self._file_choices = {attachment_label(f.id, f.filename): str(f.id) for f in t.ticket_files}
            self.fields = with_attachment_choices(self.fields, list(self._file_choices))
        self.workers = await self._workers(actor) if self.reassignable else []

    async def _workers(self, actor: Actor) -> list[dict[str, str]]:
        people: list[Any] = []
        for page in range(1, MAX_WORKER_PAGES + 1):
            result = await users.list_users(actor, page=page, page_size=100)
            people.extend(result.items)
            if page * 100 >= result.total:
                break
        return worker_options(people)

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> AsyncIterator[Any]:
        self._kid, query = url_id(self.router, "/tasks/")
        self.notice = NEXT_NOTE if query.get("done") else ""
        self.loading, self.loaded, self.task, self.error, self.steer_error = True, False, {}, "", ""
        self.completable = self.startable = self.retryable = self.reassignable = self.form_busy = False
        self.takeable = self.waiting = False
        yield
        try:
            self.error = await load_error(lambda: self._refresh(actor), self._kid, "Task not found")
            if self.error:
                self.task = {}
        finally:
            self.loading, self.loaded = False, True

    async def _next_task(self, actor: Actor) -> int | None:
        """The oldest active task in my list after completing this one."""
        result = await work.list_tasks(actor, scope="mine", state="active", page=1, page_size=5, sort="created")
        return next((t.id for t in result.items if t.id != self._kid and t.type == "FORM"), None)

    @rx.event
    @guarded()
    async def submit(self, actor: Actor, form_data: FormData) -> AsyncIterator[Any]:
        if not self.completable:
            return
        output = self._form_collect(form_data)
        if output is None:
            return
        output = with_attachment_ids(output, self._file_fields, self._file_choices)
        self.form_busy = True
        yield
        try:
            await work.complete_form_task(actor, self._kid, output=output)
            nxt = await self._next_task(actor)
        except TfaiError as exc:
            self._form_fail(exc)
            self.form_busy = False
            return
        self.form_busy = False
        yield rx.redirect(f"/tasks/{nxt}?done=1" if nxt else "/tasks?done=1")

    @guarded()
    async def _steer(self, actor: Actor, call: Callable[[Actor], Awaitable[Any]], notice: str) -> Any:
        self.steer_error = await service_error(lambda: call(actor), lambda: self._refresh(actor))
        self.notice = "" if self.steer_error else notice
        return None

    @rx.event
    async def reassign(self, form_data: dict[str, Any]) -> Any:
        raw = str(form_data.get("user_id", "")).strip()
        if not raw.isdigit() or len(raw) > 18:
            self.steer_error = "Choose a worker."
            return None
        return await self._steer(lambda a: work.reassign_task(a, self._kid, user_id=int(raw)),
                                 "The task is reassigned.")

    @rx.event
    async def start(self) -> Any:
        return await self._steer(lambda a: work.start_task(a, self._kid), "The task is started.")

    @rx.event
    async def retry(self) -> Any:
        return await self._steer(lambda a: work.retry_task(a, self._kid), "The task is retried.")

    @rx.event
    async def take(self) -> Any:
        return await self._steer(lambda a: work.reassign_task(a, self._kid, user_id=a.user_id),
                                 "The task is assigned to you.")
