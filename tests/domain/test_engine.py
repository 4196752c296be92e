"""The engine: transition order, ends and holds, task inputs and outputs, and dry runs of every example."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.bundles import example, laptop
from tfai.domain.bundle import Bundle, Workflow
from tfai.domain.dry_run import dry_run
from tfai.domain.engine import build_scope, callback_output, compute_input, next_step, response_output
from tfai.domain.errors import NotFound
from tfai.domain.expressions import ExpressionError


def workflow(doc: dict[str, Any] | None = None) -> Workflow:
    bundle = Bundle.model_validate(doc or laptop())
    assert bundle.workflow is not None
    return bundle.workflow


DATA = {"ticket": {"model": "pro-14", "price": 2400}, "tasks": {}, "workflow": {}}


def ok(body: dict[str, Any]) -> dict[str, Any]:
    return {"status": 200, "headers": {}, "body": body}


def test_build_scope_only_includes_given_extras() -> None:
    scope = build_scope(DATA, output={"a": 1})
    assert set(scope) == {"ticket", "tasks", "workflow", "output"}
    assert build_scope({})["ticket"] == {}


def test_priority_then_condition() -> None:
    wf = workflow()
    yes = next_step(wf, "approve", {"approved": True}, DATA)
    assert (yes.kind, yes.to, yes.transition) == ("task", "order", 0)
    assert [(c.index, c.value) for c in yes.evaluated] == [(0, True)]
    no = next_step(wf, "approve", {"approved": False}, DATA)
    assert (no.kind, no.to) == ("task", "rejected")
    assert [(c.index, c.value) for c in no.evaluated] == [(0, False), (1, True)]


def test_document_order_breaks_priority_ties() -> None:
    doc = laptop()
    doc["workflow"]["transitions"] = [
        {"from": "approve", "to": "rejected", "condition": "true"},
        {"from": "approve", "to": "order", "condition": "true"},
    ]
    assert next_step(workflow(doc), "approve", {"approved": True}, DATA).to == "rejected"


def test_no_outgoing_transitions_ends() -> None:
    decision = next_step(workflow(), "delivery", {"delivered_at": "x"}, DATA)
    assert decision.kind == "end" and decision.to is None


def test_to_null_ends_explicitly() -> None:
    doc = laptop()
    doc["workflow"]["transitions"].append({"from": "delivery", "to": None, "condition": "true"})
    decision = next_step(workflow(doc), "delivery", {}, DATA)
    assert (decision.kind, decision.transition) == ("end", 3)


def test_no_true_condition_holds() -> None:
    doc = laptop()
    doc["workflow"]["transitions"][1]["condition"] = "output.approved == false && ticket.price > 10000"
    decision = next_step(workflow(doc), "approve", {"approved": False}, DATA)
    assert decision.kind == "hold"
    assert [c.value for c in decision.evaluated] == [False, False]


def test_evaluation_error_holds_with_reason() -> None:
    decision = next_step(workflow(), "approve", {}, DATA)  # output.approved is missing
    assert decision.kind == "hold"
    assert decision.evaluated[0].error is not None
    assert "transition 0" in (decision.reason or "")


def test_task_input_and_output() -> None:
    wf = workflow()
    approve, order, delivery, rejected = wf.tasks
    assert compute_input(approve.input_transform, DATA) == {"model": "pro-14", "price": 2400}
    assert compute_input(rejected.input_transform, DATA) is None
    assert response_output(order.output_transform, DATA, input={}, response=ok({"id": "A-1"})) == {"order_id": "A-1"}
    delivered = {"delivered_at": "2025-01-01"}
    assert callback_output(delivery.output_transform, DATA, input=None, callback=delivered) == delivered
    with pytest.raises(ExpressionError):
        response_output(order.output_transform, DATA, input=None, response=ok({}))


def test_action_without_transform_uses_body() -> None:
    assert response_output(None, DATA, input=None, response=ok({"id": 1})) == {"id": 1}
    assert callback_output(None, DATA, input=None, callback=[1]) == [1]


# --- dry runs of every example, one per branch ---------------------------------------------------

LAPTOP_T = {"model": "pro-14", "price": 2400}


def test_laptop_approved_path() -> None:
    result = dry_run(laptop(), "laptop-request", LAPTOP_T, {"approve": {"approved": True}},
                     {"order": ok({"id": "PO-1"}), "delivery": {"delivered_at": "2025-02-01"}})  # fmt: skip
    assert result.outcome == "completed"
    assert result.path == ["approve", "order", "delivery"]
    assert result.steps[2].input == {"order_id": "PO-1"}


def test_laptop_rejected_path() -> None:
    result = dry_run(laptop(), "laptop-request", LAPTOP_T, {"approve": {"approved": False}, "rejected": {}}, {})
    assert result.path == ["approve", "rejected"] and result.outcome == "completed"


def test_dry_run_waits_for_missing_output() -> None:
    result = dry_run(laptop(), "laptop-request", LAPTOP_T, {"approve": {"approved": True}}, {})
    assert (result.outcome, result.stopped_at) == ("waiting", "order")
    assert result.steps[-1].input == {"sku": "pro-14", "quantity": 1}


def test_dry_run_checks_output_schema() -> None:
    result = dry_run(laptop(), "laptop-request", LAPTOP_T, {"approve": {"approved": "yes"}}, {})
    # The runtime's check (format checker included), with its words.
    assert result.outcome == "error" and "does not match the output schema (approved:" in (result.reason or "")


def test_dry_run_unknown_workflow() -> None:
    with pytest.raises(NotFound):
        dry_run(laptop(), "nope", {}, {}, {})


EXPENSE_REPLIES = {
    "check_policy": ok({"compliant": True}),
    "payout": ok({"payout_id": "P-9"}),
}


@pytest.mark.parametrize(
    ("amount", "outputs", "path"),
    [
        (80, {}, ["check_policy", "payout"]),
        (250, {"manager_approval": {"approved": True}}, ["check_policy", "manager_approval", "payout"]),
        (250, {"manager_approval": {"approved": False}, "rejected_notice": {"acknowledged": True}},
         ["check_policy", "manager_approval", "rejected_notice"]),
        (6000, {"manager_approval": {"approved": True}, "finance_approval": {"approved": True}},
         ["check_policy", "manager_approval", "finance_approval", "payout"]),
        (6000.0, {"manager_approval": {"approved": True}, "finance_approval": {"approved": False},
                  "rejected_notice": {"acknowledged": True}},
         ["check_policy", "manager_approval", "finance_approval", "rejected_notice"]),
        (5000, {"manager_approval": {"approved": True}}, ["check_policy", "manager_approval", "payout"]),
    ],
)  # fmt: skip
def test_expense_thresholds(amount: float, outputs: dict[str, Any], path: list[str]) -> None:
    ticket = {"amount": amount, "currency": "EUR", "category": "travel", "description": "Train"}
    result = dry_run(example("expense-reimbursement.json"), "expense-reimbursement", ticket, outputs, EXPENSE_REPLIES)
    assert result.outcome == "completed", result.reason
    assert result.path == path


def test_expense_policy_rejection() -> None:
    ticket = {"amount": 50, "currency": "EUR", "category": "meals", "description": "Lunch"}
    replies = {"check_policy": ok({"compliant": False, "rule": "meals-limit"})}
    result = dry_run(example("expense-reimbursement.json"), "expense-reimbursement", ticket,
                     {"rejected_notice": {"acknowledged": True}}, replies)  # fmt: skip
    assert result.path == ["check_policy", "rejected_notice"]
    assert result.steps[0].output == {"compliant": False, "rule": "meals-limit"}


REFUND_T = {"order_id": "ORD-1", "amount": 40, "reason": "late", "customer_email": "c@example.com"}


def test_refund_partial_success() -> None:
    result = dry_run(example("customer-refund.json"), "customer-refund", REFUND_T,
                     {"review": {"decision": "partial", "refund_amount": 15}},
                     {"issue_refund": {"refund_id": "R-1", "status": "succeeded"},
                      "notify_customer": ok({"message_id": "m1"})})  # fmt: skip
    assert result.outcome == "completed"
    assert result.path == ["review", "issue_refund", "notify_customer"]
    assert result.steps[1].input == {"order_id": "ORD-1", "amount": 15}


def test_refund_failure_then_give_up() -> None:
    result = dry_run(example("customer-refund.json"), "customer-refund", REFUND_T,
                     {"review": {"decision": "refund"}, "refund_failed": {"retry": False}},
                     {"issue_refund": {"refund_id": "R-2", "status": "failed"}})  # fmt: skip
    assert result.path == ["review", "issue_refund", "refund_failed"]
    assert result.outcome == "completed"
    assert result.steps[-1].decision is not None and result.steps[-1].decision.transition == 5


def test_refund_denied() -> None:
    result = dry_run(example("customer-refund.json"), "customer-refund", REFUND_T,
                     {"review": {"decision": "deny", "note": "too late"}}, {"denial_notice": ok({})})  # fmt: skip
    assert result.path == ["review", "denial_notice"]
    assert result.steps[1].input == {"to": "c@example.com", "template": "refund-denied", "note": "too late"}


REPAIR_T = {"location": "A 2.14", "category": "hvac", "urgency": "urgent", "description": "cold"}


def test_repair_in_house() -> None:
    result = dry_run(example("facility-repair.yaml"), "facility-repair", REPAIR_T,
                     {"triage": {"severity": "minor", "in_house": True}, "in_house_fix": {"fixed": True},
                      "confirm": {"resolved": True, "rating": 5}}, {})  # fmt: skip
    assert result.path == ["triage", "in_house_fix", "confirm"] and result.outcome == "completed"


def test_repair_vendor_dispatch() -> None:
    result = dry_run(example("facility-repair.yaml"), "facility-repair", REPAIR_T,
                     {"triage": {"severity": "major", "in_house": False}, "confirm": {"resolved": True}},
                     {"dispatch_vendor": ok({"id": "WO-7", "eta": "tomorrow"}),
                      "vendor_done": {"completed": True, "invoice_total": 120}})  # fmt: skip
    assert result.path == ["triage", "dispatch_vendor", "vendor_done", "confirm"]
    assert result.steps[1].input == {"location": "A 2.14", "category": "hvac", "urgent": True}


def test_repair_reopen_loops_until_step_limit() -> None:
    result = dry_run(example("facility-repair.yaml"), "facility-repair", REPAIR_T,
                     {"triage": {"severity": "minor", "in_house": True}, "in_house_fix": {"fixed": True},
                      "confirm": {"resolved": False}}, {}, max_steps=9)  # fmt: skip
    assert result.outcome == "step_limit"
    assert result.path[:4] == ["triage", "in_house_fix", "confirm", "triage"]


ONBOARD_T = {"full_name": "Ada L", "email": "ada@example.com", "start_date": "2025-03-01",
             "department": "engineering", "needs_laptop": True}  # fmt: skip


def test_onboarding_happy_path() -> None:
    result = dry_run(example("employee-onboarding.json"), "employee-onboarding", ONBOARD_T,
                     {"hr_details": {"contract_signed": True, "manager_email": "m@example.com"},
                      "it_setup": {"account_created": True}, "welcome": {"buddy": "Grace"}},
                     {"create_hr_record": ok({"employee_id": "E-42"})})  # fmt: skip
    assert result.path == ["hr_details", "create_hr_record", "it_setup", "welcome"]
    assert result.steps[1].input is not None and result.steps[1].input["salary_band"] == "B1"
    assert result.steps[2].input == {"employee_id": "E-42", "email": "ada@example.com", "needs_laptop": True}


def test_onboarding_missing_contract_loops_back() -> None:
    result = dry_run(example("employee-onboarding.json"), "employee-onboarding", ONBOARD_T,
                     {"hr_details": {"contract_signed": False, "manager_email": "m@example.com"},
                      "contract_missing": {"note": "chased"}}, {}, max_steps=4)  # fmt: skip
    assert result.path == ["hr_details", "contract_missing", "hr_details", "contract_missing"]
