"""State of Submit ticket: the types the actor may submit, then the generated form of the chosen one."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.limits import MAX_FILES
from tfai.domain.policy import Actor
from tfai.services.tickets import submission
from tfai.services.tickets.attachments import NewFile
from tfai.settings import get_settings
from tfai.ui.components.file_slots import clear_all
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded
from tfai.ui.state.schema_form import SchemaFormMixin


def with_file_slots(fields: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The field dicts with a drop-zone slot ("0", "1", …) on each `file` field (none past the last slot), and the
    field name of each slot in order."""
    out: list[dict[str, Any]] = []
    names: list[str] = []
    for f in fields:
        slot = ""
        if f["widget"] == "file" and len(names) < MAX_FILES:
            slot = str(len(names))
            names.append(str(f["name"]))
        out.append({**f, "slot": slot})
    return out, names


def slot_of(upload: Any) -> int | None:
    """The slot a received file was chosen in: the first part of its `<slot>/<name>` path (file_slots.py)."""
    parts: tuple[str, ...] = upload.path.parts if upload.path is not None else ()
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) > 3:
        return None
    return int(parts[0])


def submission_key(form_nonce: str, ticket_type: str, data: dict[str, Any]) -> str:
    """The Idempotency-Key of a UI submission: the form shown (its nonce) and what it sends. Sending the same form
    again (a click repeated after the websocket dropped once the ticket was committed) replays that ticket instead
    of creating another; changed values are another submission."""
    body = json.dumps([ticket_type, data], sort_keys=True, default=str, separators=(",", ":"))
    return f"ui:{form_nonce}:{hashlib.sha256(body.encode()).hexdigest()[:32]}"


def type_card(t: Any) -> dict[str, str]:
    """What a ticket type card shows (a TicketTypeDTO without its schema)."""
    return {"key": t.key, "title": t.title, "description": t.description or ""}


class SubmitTicketState(SchemaFormMixin, AuthState):
    """The chosen type's schema stays backend-only (in the mixin); the browser gets field dicts."""

    types: list[dict[str, str]] = []
    chosen_key: str = ""
    chosen_title: str = ""
    chosen_description: str = ""
    loading: bool = False
    loaded: bool = False
    error: str = ""
    _form_nonce: str = ""
    has_files: bool = False
    max_upload: int = 25 * 1024 * 1024
    _slots: list[str] = []

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> AsyncIterator[Any]:
        self.loading, self.loaded, self.chosen_key, self.error, self.form_busy = True, False, "", "", False
        yield
        try:
            found = await submission.submittable_types(actor)
        except TfaiError as exc:
            self.types, self.error = [], error_message(exc)
        else:
            self.types = [type_card(t) for t in found]
            wanted = self.router.url.query_parameters.get("type", "") if self.router is not None else ""
            match = next((t for t in found if t.key == wanted), None)
            if match is None and len(found) == 1:
                match = found[0]
            if match is not None:
                self._choose(match)
        finally:
            self.loading, self.loaded = False, True

    def _choose(self, t: Any) -> None:
        self.chosen_key, self.chosen_title, self.chosen_description = t.key, t.title, t.description or ""
        self._form_nonce = secrets.token_urlsafe(12)  # each form shown submits under keys of its own
        self._form_setup(t.fields or {}, t.edit_layout, values=None)
        self.fields, self._slots = with_file_slots(self.fields)
        self.has_files, self.max_upload = bool(self._slots), get_settings().max_upload_bytes

    @rx.event
    @guarded()
    async def choose(self, actor: Actor, key: str) -> Any:
        try:
            found = await submission.submittable_types(actor)
        except TfaiError as exc:
            self.error = error_message(exc)
            return None
        match = next((t for t in found if t.key == str(key)), None)
        if match is None:
            self.error = "That ticket type is no longer available to you."
            return None
        self.error = ""
        self._choose(match)
        return None

    @rx.event
    def back(self) -> None:
        self.chosen_key, self.form_error, self.form_problems = "", "", []

    @rx.event
    @guarded()
    async def submit(self, actor: Actor, form_data: FormData) -> AsyncIterator[Any]:
        if not self.chosen_key:
            return
        data = self._form_collect(form_data)
        if data is None:
            return
        self.form_busy = True
        yield
        try:
            created = await submission.submit_ticket(
                actor, ticket_type=self.chosen_key, data=data,
                idempotency_key=submission_key(self._form_nonce or secrets.token_urlsafe(12), self.chosen_key, data))
        except TfaiError as exc:
            self._form_fail(exc)
            self.form_busy = False
            return
        self.form_busy = False
        yield rx.redirect(f"/tickets/{created.id}?submitted=1")

    @rx.event
    @guarded()
    async def submit_files(self, actor: Actor, form_data: FormData, files: list[rx.UploadFile]) -> AsyncIterator[Any]:
        """Submit with the files chosen in the form's `file` fields (one upload request carries form and files)."""
        if not self.chosen_key:
            return
        data = self._form_collect(form_data)
        if data is None:
            return
        self.form_busy = True
        yield
        chosen: dict[str, NewFile] = {}
        for upload in files[:MAX_FILES]:
            slot = slot_of(upload)
            if slot is not None and slot < len(self._slots):
                # One byte past the limit is enough for the service to refuse it with the field's name.
                body = await upload.read(self.max_upload + 1)
                chosen[self._slots[slot]] = NewFile(filename=upload.name or "file",
                                                    content_type=upload.content_type or "", data=body)
        try:
            created = await submission.submit_ticket_with_files(actor, ticket_type=self.chosen_key, data=data,
                                                                files=chosen)
        except TfaiError as exc:
            self._form_fail(exc)
            self.form_busy = False
            return
        self.form_busy = False
        yield [*clear_all(), rx.redirect(f"/tickets/{created.id}?submitted=1")]
