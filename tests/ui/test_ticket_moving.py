"""The ticket page's Move dialog and workflow fields: choices, errors per field, who sees what."""

from __future__ import annotations

from datetime import UTC, datetime

from tfai.domain.errors import Conflict, InvalidInput
from tfai.services.tickets.dto import TaskChoiceDTO, TicketDetailDTO
from tfai.ui.state.ticket_detail import move_failure, move_options, workflow_pairs

T0 = datetime(2025, 3, 4, 14, 5, tzinfo=UTC)
PROGRESS = {"type": "object", "properties": {"approvals": {"type": "integer"}, "stage": {"type": "string"},
                                             "region": {"type": "string"}}}
LAYOUT = {"sections": [{"title": "Progress", "fields": ["stage", "approvals"]}], "labels": {"stage": "Stage now"}}


def _ticket(**kw: object) -> TicketDetailDTO:
    return TicketDetailDTO(**{
        "id": 5, "title": "Claim", "ticket_type": "expense", "ticket_type_title": "Expense", "ticket_type_version": 1,
        "workflow_key": "expense-reimbursement", "workflow_version": 1, "fields": {}, "fields_schema": {},
        "status": "active", "workflow_status": "ON_HOLD", "created_by": 2, "created_at": T0, "updated_at": T0, **kw})


def test_move_choices_name_each_task_by_title_and_key() -> None:
    choices = [TaskChoiceDTO(key="approve", title="Approval"), TaskChoiceDTO(key="approve_2", title="Approval")]
    assert move_options(choices) == [{"value": "approve", "label": "Approval (approve)"},
                                     {"value": "approve_2", "label": "Approval (approve_2)"}]
    assert move_options([]) == []


def test_an_unknown_task_shows_under_the_task_field() -> None:
    exc = InvalidInput("No such task", details=[{"field": "task", "message": "not a task of this workflow"}])
    assert move_failure(exc) == ({"task": "not a task of this workflow"}, "")


def test_a_too_long_reason_shows_under_the_reason_field() -> None:
    exc = InvalidInput("Too long", details=[{"field": "reason", "message": "at most 2000 characters"}])
    assert move_failure(exc) == ({"reason": "at most 2000 characters"}, "")


def test_a_finished_ticket_and_unrelated_fields_go_to_the_summary() -> None:
    assert move_failure(Conflict("The ticket is completed")) == ({}, "The ticket is completed")
    other = InvalidInput("Odd", details=[{"field": "elsewhere", "message": "x"}])
    assert move_failure(other) == ({}, "Odd")


def test_workflow_fields_follow_the_workflow_display_layout() -> None:
    # As with a task's display layout: the layout's fields in its order, then values it leaves out.
    t = _ticket(workflow_fields={"stage": "manager approval", "approvals": 1, "region": "EU"},
                workflow_fields_schema=PROGRESS, workflow_display_layout=LAYOUT)
    assert [(p["label"], p["value"], p["section"]) for p in workflow_pairs(t)] == [
        ("Stage now", "manager approval", "Progress"), ("Approvals", "1", "Progress"), ("Region", "EU", "")]


def test_workflow_fields_without_a_layout_list_every_declared_field() -> None:
    t = _ticket(workflow_fields={"approvals": 0}, workflow_fields_schema=PROGRESS)
    assert [(p["label"], p["value"]) for p in workflow_pairs(t)] == [
        ("Approvals", "0"), ("Stage", "—"), ("Region", "—")]


def test_readers_without_the_schema_see_no_workflow_fields() -> None:
    # The service leaves the schema out for requesters who do not work on the ticket.
    assert workflow_pairs(_ticket()) == []
    assert workflow_pairs(_ticket(workflow_fields={"stage": "x"})) == []
