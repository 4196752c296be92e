"""State of the dry-run page: sample ticket data, outputs and responses in JSON areas; the path taken."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Actor
from tfai.services.definitions import bundles, catalog
from tfai.services.definitions.dto import DryRunDTO
from tfai.ui.state.definitions_base import DesignerState
from tfai.ui.state.definitions_helpers import dry_run_samples, parse_object, pretty, sample_value
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import DESIGNER, guarded

MAX_AREA = 200_000


def step_rows(result: DryRunDTO) -> list[dict[str, Any]]:
    """Plain rows for each visited task: computed input, output used, decision and each condition's value."""
    rows = []
    for s in result.steps:
        conds = [{"to": c.to or "(end)", "condition": c.condition or "(always)",
                  "value": "error" if c.error else "true" if c.value else "false", "error": c.error or ""}
                 for c in s.conditions]
        rows.append({"task": s.task, "input": pretty(s.input) if s.input is not None else "",
                     "output": pretty(s.output) if s.output is not None else "", "decision": s.decision or "",
                     "next": s.next_task or "", "reason": s.reason or "", "conditions": conds})
    return rows


class DryRunState(DesignerState):
    wf_key: str = ""
    wf_title: str = ""
    workflows: list[dict[str, str]] = []
    ticket_type_keys: list[str] = []
    ticket_type: str = ""
    ticket_text: str = "{}"
    samples: list[dict[str, str]] = []
    area_key: int = 0
    error: str = ""
    outcome: str = ""
    reason: str = ""
    stopped_at: str = ""
    path: list[str] = []
    steps: list[dict[str, Any]] = []
    running: bool = False

    @rx.event
    @guarded(DESIGNER)
    async def load(self, actor: Actor) -> Any:
        self.error, self.outcome, self.path, self.steps, self.reason, self.stopped_at = "", "", [], [], "", ""
        self.wf_key = self._query("workflow")
        try:
            if not self.wf_key:
                page = await catalog.list_workflows(actor, page_size=100)
                self.workflows = [{"key": w.key, "title": w.title} for w in page.items]
                self.wf_title, self.samples = "", []
                return None
            wf = await catalog.get_workflow(actor, self.wf_key)
            self.wf_title = wf.title
            self.samples = dry_run_samples(wf.tasks)
            self.ticket_type_keys = [t.key for t in wf.ticket_types]
            self.ticket_type = self.ticket_type_keys[0] if self.ticket_type_keys else ""
            await self._ticket_sample(actor)
        except TfaiError as exc:
            self.wf_title, self.error = "", error_message(exc)
        self.area_key += 1
        return None

    async def _ticket_sample(self, actor: Any) -> None:
        if not self.ticket_type:
            self.ticket_text = "{}"
            return
        tt = await catalog.get_ticket_type(actor, self.ticket_type)
        self.ticket_text = pretty(sample_value(tt.fields) or {})

    @rx.event
    @guarded(DESIGNER)
    async def pick_ticket_type(self, actor: Actor, key: str) -> Any:
        if key in self.ticket_type_keys:
            self.ticket_type = key
            try:
                await self._ticket_sample(actor)
            except TfaiError as exc:
                self.error = error_message(exc)
            self.area_key += 1
        return None

    @rx.event
    def set_ticket_text(self, value: str) -> None:
        self.ticket_text = str(value)[:MAX_AREA]

    @rx.event
    def set_sample(self, key: str, value: str) -> None:
        self.samples = [{**s, "text": str(value)[:MAX_AREA]} if s["key"] == key else s for s in self.samples]

    @rx.event
    @guarded(DESIGNER)
    async def run(self, actor: Actor) -> Any:
        ticket, problem = parse_object(self.ticket_text, "Ticket data")
        outputs: dict[str, Any] = {}
        responses: dict[str, Any] = {}
        problems = [problem] if problem else []
        for s in self.samples:
            value, bad = parse_object(s["text"], f"{s['title']} ({s['key']})")
            if bad:
                problems.append(bad)
            elif s["text"].strip():
                (outputs if s["kind"] == "output" else responses)[s["key"]] = value
        if problems or ticket is None:
            self.error, self.outcome = "; ".join(problems), ""
            return None
        try:
            result = await bundles.dry_run(actor, workflow_key=self.wf_key, ticket=ticket, outputs=outputs,
                                               responses=responses)
        except TfaiError as exc:
            self.error, self.outcome = error_message(exc), ""
            return None
        self.error = ""
        self.outcome, self.reason, self.stopped_at = result.outcome, result.reason or "", result.stopped_at or ""
        self.path, self.steps = list(result.path), step_rows(result)
        return None
