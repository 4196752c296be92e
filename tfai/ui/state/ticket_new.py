"""State of Submit ticket: the types the actor may submit, then the generated form of the chosen one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.tickets import submission
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded
from tfai.ui.state.schema_form import SchemaFormMixin


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
        self._form_setup(t.fields or {}, t.edit_layout, values=None)

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
            created = await submission.submit_ticket(actor, ticket_type=self.chosen_key, data=data)
        except TfaiError as exc:
            self._form_fail(exc)
            self.form_busy = False
            return
        self.form_busy = False
        yield rx.redirect(f"/tickets/{created.id}?submitted=1")
