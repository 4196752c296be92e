"""The proposal view of the assistant page: what to review, placeholders to fill, Try it, Accept and Discard."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from tfai.domain.errors import InvalidDefinition, NotFound, TfaiError
from tfai.domain.policy import Actor
from tfai.services.assistant import conversations
from tfai.services.assistant.dto import ProposalDTO
from tfai.services.definitions import bundles
from tfai.ui.components.diagram import diagram_src
from tfai.ui.state import toast
from tfai.ui.state.assistant_helpers import (
    bundle_diff,
    fill_all,
    form_previews,
    placeholder_rows,
    plain,
    review_items,
    workflow_key,
)
from tfai.ui.state.definitions_editor import saved_summary
from tfai.ui.state.definitions_helpers import dry_run_samples, parse_object, pretty, problem_rows, sample_value
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import ASSISTANT, guarded

MAX_TICKET_TEXT = 200_000


async def proposal_view(actor: Actor, p: ProposalDTO, bundle: dict[str, Any] | None = None,
                        checked: tuple[list[Any], list[Any]] | None = None) -> dict[str, Any]:
    """Every public value of the proposal view (plain data), computed outside the state lock."""
    doc = bundle if bundle is not None else dict(p.bundle)
    errors, warnings = checked if checked is not None else (p.errors, p.warnings)
    key = workflow_key(doc)
    diff: list[dict[str, str]] = []
    is_change = False
    current = None
    if key:
        try:
            current = await bundles.export_document(actor, key)
        except NotFound:
            current = None
        except TfaiError:
            current = None
        if current is not None:
            is_change = True
            diff = bundle_diff(current, doc, key=key)
    try:
        diagram = diagram_src(doc["workflow"]) if isinstance(doc.get("workflow"), dict) else ""
    except Exception:  # noqa: BLE001 - a draft may be too broken to draw; the problems list says why
        diagram = ""
    tts = doc.get("ticket_types") if isinstance(doc.get("ticket_types"), list) else []
    first = tts[0] if tts and isinstance(tts[0], dict) else {}
    return {
        "p_id": p.id, "p_summary": p.summary, "p_status": p.status, "p_valid": not errors,
        "p_repair_rounds": p.repair_rounds, "p_problems": problem_rows(pretty(doc), errors, warnings),
        "p_error_count": len(errors), "p_warning_count": len(warnings),
        "p_placeholders": placeholder_rows(doc), "p_review": review_items(doc, current), "p_diff": diff,
        "p_is_change": is_change, "p_key": key, "p_diagram": diagram, "p_forms": form_previews(doc),
        "try_ticket": pretty(sample_value(first.get("fields")) or {}), "try_outcome": "", "try_path": [],
        "try_reason": "", "try_error": "", "p_fill_errors": [], "_p_bundle": doc,
    }


class ProposalMixin(rx.State, mixin=True):
    """The shown proposal; its (possibly filled-in) bundle stays backend-only in `_p_bundle`."""

    p_id: int = 0
    p_summary: str = ""
    p_status: str = ""
    p_valid: bool = False
    p_repair_rounds: int = 0
    p_problems: list[dict[str, str]] = []
    p_error_count: int = 0
    p_warning_count: int = 0
    p_placeholders: list[dict[str, str]] = []
    p_review: list[dict[str, str]] = []
    p_diff: list[dict[str, str]] = []
    p_is_change: bool = False
    p_key: str = ""
    p_diagram: str = ""
    p_forms: list[dict[str, Any]] = []
    p_edited: bool = False
    p_fill_errors: list[str] = []
    p_fill_key: int = 0
    p_error: str = ""
    p_notice: str = ""
    p_saved_note: str = ""
    p_saved_links: list[dict[str, str]] = []
    p_busy: bool = False
    try_ticket: str = "{}"
    try_outcome: str = ""
    try_path: list[str] = []
    try_reason: str = ""
    try_error: str = ""
    _p_bundle: dict[str, Any] = {}

    def _apply_view(self, view: dict[str, Any], *, edited: bool = False) -> None:
        for name, value in view.items():
            setattr(self, name, value)
        self.p_edited, self.p_fill_key = edited, self.p_fill_key + 1
        self.p_error = self.p_notice = self.p_saved_note = ""
        self.p_saved_links = []

    def _clear_proposal(self) -> None:
        self.p_id, self._p_bundle, self.p_edited = 0, {}, False

    async def _show(self, actor: Actor, proposal: ProposalDTO | None) -> None:
        if proposal is None:
            self._clear_proposal()
            return
        self._apply_view(await proposal_view(actor, proposal))

    @rx.event
    @guarded(ASSISTANT)
    async def show_proposal(self, actor: Actor, proposal_id: int) -> Any:
        try:
            await self._show(actor, await conversations.get_proposal(actor, int(proposal_id)))
        except TfaiError as exc:
            self.p_error = error_message(exc)
        return None

    @rx.event
    @guarded(ASSISTANT)
    async def fill_placeholders(self, actor: Actor, form_data: dict[str, Any]) -> Any:
        """Put the designer's values in at their pointers, then validate the bundle again."""
        values = {str(k): str(v) for k, v in form_data.items() if str(k).startswith("/")}
        doc, problems = fill_all(self._p_bundle, values)
        try:
            checked = await bundles.validate_bundle(actor, doc)
            proposal = await conversations.get_proposal(actor, self.p_id)
        except TfaiError as exc:
            self.p_error = error_message(exc)
            return None
        holes = {p["path"] for p in placeholder_rows(doc)}
        errors = [e for e in checked.errors if e.path not in holes]
        self._apply_view(await proposal_view(actor, proposal, doc, (errors, checked.warnings)), edited=True)
        self.p_fill_errors = [f"{k}: {v}" for k, v in problems.items()]
        self.p_notice = "Filled in and validated again." if not errors else ""
        return None

    @rx.event
    def set_try_ticket(self, value: str) -> None:
        self.try_ticket = str(value)[:MAX_TICKET_TEXT]

    @rx.event
    @guarded(ASSISTANT)
    async def try_it(self, actor: Actor) -> Any:
        """A dry run of the proposal's workflow with the sample ticket and sample form outputs; writes nothing."""
        ticket, problem = parse_object(self.try_ticket, "Ticket data")
        if ticket is None:
            self.try_error, self.try_outcome = problem, ""
            return None
        raw = plain(self._p_bundle).get("workflow")
        wf: dict[str, Any] = raw if isinstance(raw, dict) else {}
        samples = dry_run_samples(wf.get("tasks") or [])
        outputs = {s["key"]: json.loads(s["text"]) for s in samples if s["kind"] == "output" and s["text"]}
        try:
            result = await bundles.dry_run(actor, bundle=plain(self._p_bundle), ticket=ticket, outputs=outputs)
        except InvalidDefinition:
            self.try_error = "The proposal has errors (or unfilled placeholders): fix them before trying it."
            self.try_outcome = ""
            return None
        except TfaiError as exc:
            self.try_error, self.try_outcome = error_message(exc), ""
            return None
        self.try_error, self.try_outcome, self.try_path = "", result.outcome, list(result.path)
        self.try_reason = result.reason or ""
        return None

    @rx.event
    @guarded(ASSISTANT)
    async def accept(self, actor: Actor) -> Any:
        """Save through the definitions service exactly as an upload would (placeholders must be filled)."""
        try:
            edited = plain(self._p_bundle) if self.p_edited else None
            saved = await conversations.accept_proposal(actor, self.p_id, bundle=edited)
        except InvalidDefinition as exc:
            self.p_problems = problem_rows(pretty(plain(self._p_bundle)), exc.problems, [])
            self.p_error, self.p_valid = "Not saved: the bundle has errors.", False
            return None
        except TfaiError as exc:
            self.p_error = error_message(exc)
            if isinstance(exc.details, list):
                self.p_fill_errors = [f"{d.get('field')}: {d.get('message')}" for d in exc.details
                                      if isinstance(d, dict)]
            return None
        self.p_error, self.p_status = "", "accepted"
        self.p_saved_note, self.p_saved_links = saved_summary(saved)
        return type(self).after_decision  # type: ignore[attr-defined]

    @rx.event
    @guarded(ASSISTANT)
    async def discard(self, actor: Actor) -> Any:
        try:
            result = await conversations.discard_proposal(actor, self.p_id)
        except TfaiError as exc:
            self.p_error = error_message(exc)
            return toast.error("Not discarded: " + self.p_error)
        self.p_status, self.p_error, self.p_notice = result.status, "", "Discarded: nothing was saved."
        return [type(self).after_decision, toast.info("Proposal discarded")]  # type: ignore[attr-defined]
