"""Workflow fields: defaults, a task's `set` at run time and in the dry run, and the validator's checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.bundles import example
from tfai.domain.bundle import Workflow, matches_type
from tfai.domain.dry_run import dry_run
from tfai.domain.engine import initial_workflow_data, plan_completion
from tfai.domain.lifecycle import WorkflowEvent
from tfai.domain.validate import validate


def _bundle(**changes: Any) -> dict[str, Any]:
    """Two forms: triage sets workflow.region, then a condition on it picks `eu_desk` or ends."""
    form = {"type": "object", "required": ["region"], "properties": {"region": {"type": "string"}}}
    workflow: dict[str, Any] = {
        "key": "routing", "title": "Routing", "start": "triage",
        "fields": [{"name": "region", "type": "string"}, {"name": "rounds", "type": "integer", "default": 0}],
        "tasks": [
            {"key": "triage", "title": "Triage", "type": "FORM", "output_schema": form,
             "set": {"region": "output.region", "rounds": "workflow.rounds + 1"}},
            {"key": "eu_desk", "title": "EU desk", "type": "FORM",
             "output_schema": {"type": "object", "properties": {"done": {"type": "boolean"}}}},
        ],
        "transitions": [
            {"from": "triage", "to": "eu_desk", "condition": "workflow.region == 'eu'", "priority": 1},
            {"from": "triage", "to": None},
        ],
    }
    workflow.update(changes)
    return {"format": "tfai.bundle/v1", "workflow": workflow}


def _model(bundle: dict[str, Any]) -> Workflow:
    return Workflow.model_validate(bundle["workflow"])


def _errors(bundle: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in validate(bundle).errors]


def test_a_ticket_starts_with_the_declared_defaults_and_without_the_other_fields() -> None:
    data = initial_workflow_data(_model(_bundle()), {"title": "x"})
    assert data == {"ticket": {"title": "x"}, "tasks": {}, "workflow": {"rounds": 0}}


def test_set_writes_fields_before_the_transitions_read_them() -> None:
    wf = _model(_bundle())
    plan = plan_completion(wf, "triage", {"region": "eu"}, initial_workflow_data(wf, {}))
    assert plan.next_task == "eu_desk"
    assert plan.workflow_data["workflow"] == {"region": "eu", "rounds": 1}
    assert plan.workflow_data["tasks"] == {"triage": {"region": "eu"}}
    other = plan_completion(wf, "triage", {"region": "us"}, initial_workflow_data(wf, {}))
    assert other.workflow_event == WorkflowEvent.COMPLETE and other.workflow_data["workflow"]["region"] == "us"


def test_a_value_of_the_wrong_type_holds_with_the_field_and_the_types() -> None:
    wf = _model(_bundle())
    plan = plan_completion(wf, "triage", {"region": 7}, initial_workflow_data(wf, {}))
    assert plan.workflow_event == WorkflowEvent.AUTO_HOLD and plan.next_task is None
    assert plan.hold_reason is not None
    assert "workflow.region must be a string" in plan.hold_reason and "int" in plan.hold_reason
    assert "region" not in plan.workflow_data["workflow"]


def test_reading_a_field_nobody_set_holds_and_names_it() -> None:
    bundle = _bundle()
    del bundle["workflow"]["tasks"][0]["set"]["region"]
    wf = _model(bundle)
    plan = plan_completion(wf, "triage", {"region": "eu"}, initial_workflow_data(wf, {}))
    assert plan.workflow_event == WorkflowEvent.AUTO_HOLD
    assert plan.hold_reason is not None and "workflow.region has no value yet" in plan.hold_reason


def test_the_dry_run_uses_the_defaults_and_the_same_set() -> None:
    ran = dry_run(_bundle(), "routing", {}, {"triage": {"region": "eu"}}, {})
    assert ran.path == ["triage", "eu_desk"] and ran.outcome == "waiting"
    assert ran.workflow_data["workflow"] == {"region": "eu", "rounds": 1}
    bundle = _bundle()
    bundle["workflow"]["tasks"][0]["set"]["region"] = "ticket.region"
    held = dry_run(bundle, "routing", {"region": 1}, {"triage": {"region": "eu"}}, {})
    assert held.outcome == "hold" and held.reason is not None and "must be a string" in held.reason


def test_the_expense_example_counts_approvals_in_workflow_fields() -> None:
    ticket = {"amount": 6000, "currency": "EUR", "category": "travel", "description": "Train"}
    ok = {"status": 200, "headers": {}, "body": {"compliant": True}}
    ran = dry_run(example("expense-reimbursement.json"), "expense-reimbursement", ticket,
                  {"manager_approval": {"approved": True}, "finance_approval": {"approved": True}},
                  {"check_policy": ok, "payout": {"status": 200, "headers": {}, "body": {"payout_id": "P-1"}}})
    assert ran.outcome == "completed" and ran.workflow_data["workflow"] == {"stage": "finance approval",
                                                                            "approvals": 2}


def test_a_valid_bundle_with_set_and_defaults_passes() -> None:
    assert _errors(_bundle()) == []


def test_setting_an_undeclared_field_is_an_error_at_its_pointer() -> None:
    bundle = _bundle()
    bundle["workflow"]["tasks"][0]["set"]["regoin"] = "'eu'"
    assert ("/workflow/tasks/0/set/regoin", "set.unknown_field") in _errors(bundle)


@pytest.mark.parametrize(("expr", "ok"), [("'eu'", True), ("1 + 2", True), ("true", False), ("{'a': 1}", False),
                                          ("[1]", False), ("null", False), ("output.region", True)])
def test_a_static_type_mismatch_is_an_error(expr: str, ok: bool) -> None:
    bundle = _bundle()
    bundle["workflow"]["tasks"][0]["set"]["region"] = expr
    problems = _errors(bundle)
    assert (("/workflow/tasks/0/set/region", "set.type_mismatch") not in problems) == ok


def test_set_expressions_are_checked_with_their_names() -> None:
    bundle = _bundle()
    bundle["workflow"]["tasks"][0]["set"]["region"] = "input.region"
    assert ("/workflow/tasks/0/set/region", "expression.unknown_name") in _errors(bundle)
    bundle["workflow"]["tasks"][0]["set"]["region"] = "output.regoin"
    assert ("/workflow/tasks/0/set/region", "expression.unknown_field") in _errors(bundle)


def test_a_default_must_have_the_declared_type() -> None:
    bundle = _bundle()
    bundle["workflow"]["fields"][1]["default"] = "zero"
    assert ("/workflow/fields/1/default", "workflow.default_type") in _errors(bundle)


def test_a_read_of_a_field_no_earlier_task_sets_is_an_error() -> None:
    bundle = _bundle()
    bundle["workflow"]["tasks"][0]["input_transform"] = "{'region': workflow.region}"
    assert ("/workflow/tasks/0/input_transform", "workflow.field_unset") in _errors(bundle)
    del bundle["workflow"]["tasks"][0]["input_transform"]
    del bundle["workflow"]["tasks"][0]["set"]["region"]
    assert ("/workflow/transitions/0/condition", "workflow.field_unset") in _errors(bundle)


def test_a_read_after_the_setting_task_or_behind_has_is_fine() -> None:
    bundle = _bundle()
    bundle["workflow"]["tasks"][1]["input_transform"] = "{'region': workflow.region}"
    assert _errors(bundle) == []
    bundle["workflow"]["tasks"][0]["input_transform"] = "{'r': has(workflow.region) ? workflow.region : 'none'}"
    assert _errors(bundle) == []


@pytest.mark.parametrize(("field_type", "value", "ok"), [
    ("string", "a", True), ("string", 1, False), ("number", 1.5, True), ("number", True, False),
    ("integer", 2, True), ("integer", 2.0, True), ("integer", 2.5, False), ("boolean", False, True),
    ("object", {}, True), ("array", [], True), ("array", {}, False),
])
def test_matches_type(field_type: str, value: Any, ok: bool) -> None:
    assert matches_type(field_type, value) is ok
