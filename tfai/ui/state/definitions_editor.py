"""State of the upload/edit page: the bundle text, validation as you type (background), upload and save."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from tfai.domain.errors import InvalidDefinition, TfaiError
from tfai.domain.limits import MAX_DOCUMENT_BYTES
from tfai.domain.policy import Actor
from tfai.services.definitions import bundles
from tfai.services.definitions.dto import ProblemDTO, SavedBundleDTO
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import pointer_line, problem_rows
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import DESIGNER, admit, guarded

MAX_CHARS = MAX_DOCUMENT_BYTES  # the service refuses bigger documents by bytes; this caps what we hold


def looks_like_yaml(text: str) -> bool:
    """True for text that is not JSON-shaped (the editor then highlights YAML)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    return bool(stripped) and not stripped.startswith(("{", "["))


def saved_summary(saved: SavedBundleDTO) -> tuple[str, list[dict[str, str]]]:
    """"Saved laptop-request v2 (ticket types: laptop v1)" and links to what was saved."""
    tts = ", ".join(f"{t.key} v{t.version}" for t in saved.ticket_types)
    head = f"{saved.workflow_key} v{saved.workflow_version}" if saved.workflow_key else ""
    text = "Saved " + " ".join(p for p in (head, f"(ticket types: {tts})" if tts else "") if p)
    if not saved.changed:
        text += " — nothing had changed, the versions stay"
    links = ([{"label": f"Workflow {saved.workflow_key}", "href": f"/definitions/workflows/{saved.workflow_key}"}]
             if saved.workflow_key else [])
    links += [{"label": f"Ticket type {t.key}", "href": f"/definitions/ticket-types/{t.key}"}
              for t in saved.ticket_types]
    return text, links


class DefinitionsEditorState(DesignerState):
    """The text lives backend-only (`_text`); the editor gets `seed` (changed with `editor_key` to load text)."""

    seed: str = ""
    editor_key: int = 0
    goto_line: int = 0  # where the cursor starts in a loaded text (0: the top); set with seed and editor_key
    is_yaml: bool = False
    status: str = "empty"  # empty | checking | valid | invalid
    problems: list[dict[str, str]] = []
    error_count: int = 0
    warning_count: int = 0
    saving: bool = False
    saved_note: str = ""
    saved_links: list[dict[str, str]] = []
    error: str = ""
    _text: str = ""
    _seq: int = 0

    @rx.var
    def can_save(self) -> bool:
        return self.status == "valid" and not self.saving

    def _load_text(self, text: str, at: str = "") -> None:
        """Show new text in the editor, the cursor at the JSON pointer `at` (see pointer_line) when given."""
        self._text = text[:MAX_CHARS + 1]
        self.seed, self.editor_key, self.is_yaml = self._text, self.editor_key + 1, looks_like_yaml(self._text)
        self.goto_line = (pointer_line(self._text, at) or 0) if at and self._text else 0

    def _show(self, errors: list[ProblemDTO], warnings: list[ProblemDTO], valid: bool) -> None:
        self.problems = problem_rows(self._text, errors, warnings)
        self.error_count, self.warning_count = len(errors), len(warnings)
        self.status = "valid" if valid else "invalid"

    @rx.event
    @guarded(DESIGNER)
    async def load(self, actor: Actor) -> Any:
        self.saved_note, self.saved_links, self.error, self.problems = "", [], "", []
        self.error_count = self.warning_count = 0
        # ?from=<workflow key> loads its current bundle; &at=<JSON pointer> puts the cursor there, e.g.
        # /workflow/tasks/approve or /ticket_types/laptop (a list item by its key: the definition pages' Edit links).
        source = self._query("from")
        text = ""
        if source:
            try:
                text = await bundles.export_bundle(actor, source, fmt="json")
            except TfaiError as exc:
                self.error = error_message(exc)
        self._load_text(text, self._query("at"))
        return self._changed()

    def _changed(self) -> Any:
        self._seq += 1
        if not self._text.strip():
            self.status, self.problems, self.error_count, self.warning_count = "empty", [], 0, 0
            return None
        self.status = "checking"
        return DefinitionsEditorState.validate_now

    @rx.event
    def set_text(self, value: str) -> Any:
        """The editor's text (debounced in the browser); validation follows in the background."""
        self._text = str(value)[:MAX_CHARS + 1]
        self.is_yaml = looks_like_yaml(self._text)
        self.saved_note, self.saved_links = "", []
        return self._changed()

    @rx.event(background=True)
    async def validate_now(self) -> None:
        async with self:
            seq, text = self._seq, self._text
            actor, _ = await admit(self, DESIGNER)  # a background event: guarded inside the lock
        if actor is None:
            return
        try:
            result = await bundles.validate_bundle_text(actor, text)
        except TfaiError as exc:
            async with self:
                if self._seq == seq:
                    self.status, self.error = "invalid", error_message(exc)
            return
        async with self:
            if self._seq == seq:  # a newer text is being checked: drop this answer
                self.error = ""
                self._show(result.errors, result.warnings, result.valid)

    @rx.event
    @guarded(DESIGNER)
    async def handle_upload(self, actor: Actor, files: list[rx.UploadFile]) -> Any:
        if not files:
            self.error = "Choose a .json, .yaml or .yml file."
            return None
        data = await files[0].read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            self.error = "The file is larger than 1 MiB."
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.error = "The file is not UTF-8 text."
            return None
        self.error, self.saved_note, self.saved_links = "", "", []
        self._load_text(text)
        return self._changed()

    @rx.event
    @guarded(DESIGNER)
    async def save(self, actor: Actor) -> AsyncIterator[Any]:
        if self.status != "valid":
            return
        self.saving = True
        yield
        try:
            saved = await bundles.save_bundle_text(actor, self._text)
        except InvalidDefinition as exc:
            self._show([ProblemDTO(**p) for p in exc.problems], [], False)
            self.error = "Not saved: the bundle has errors."
        except TfaiError as exc:
            self.error = error_message(exc)
        else:
            self.error = ""
            self.saved_note, self.saved_links = saved_summary(saved)
            self._show([], saved.warnings, True)
        finally:
            self.saving = False
