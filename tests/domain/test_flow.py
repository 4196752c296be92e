"""Parallel flow in the domain: split decisions, join and group states, for_each items, the dry run of branches,
joins, for_each and CALL, and the flow validation rules with their pointers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.flows import bundle, form, join, split_join
from tfai.domain import flow
from tfai.domain.bundle import Bundle, Join
from tfai.domain.dry_run import dry_run
from tfai.domain.engine import compute_input, plan_completion
from tfai.domain.expressions import ExpressionError
from tfai.domain.limits import MAX_FOR_EACH_ITEMS
from tfai.domain.validate import ExistingDefinitions, validate

OK = {"ok": True}


def _wf(doc: dict[str, Any]) -> Any:
    model = Bundle.model_validate(doc).workflow
    assert model is not None
    return model


def test_a_split_starts_every_true_branch_and_the_old_rule_takes_the_first() -> None:
    doc = split_join()
    doc["workflow"]["transitions"][1]["condition"] = "ticket.n > 1"
    plan = plan_completion(_wf(doc), "intake", OK, {"ticket": {"n": 1}, "tasks": {}, "workflow": {}})
    assert plan.next_tasks == ("b0", "b2") and plan.next_task == "b0" and plan.workflow_event is None
    assert plan.decision.to_dict()["branches"] == ["b0", "b2"]
    doc["workflow"]["tasks"][0]["next"] = "first"
    plan = plan_completion(_wf(doc), "intake", OK, {"ticket": {"n": 1}, "tasks": {}, "workflow": {}})
    assert plan.next_tasks == ("b0",) and "branches" not in plan.decision.to_dict()


def test_a_split_with_nothing_true_holds_and_all_to_null_ends() -> None:
    doc = bundle("par", [form("a", next="all"), form("b")], [("a", "b", "output.ok"), ("a", None, "!output.ok")])
    data: dict[str, Any] = {"ticket": {}, "tasks": {}, "workflow": {}}
    assert plan_completion(_wf(doc), "a", {"ok": False}, data).decision.kind == "end"
    doc["workflow"]["transitions"][1]["condition"] = "false"
    held = plan_completion(_wf(doc), "a", {"ok": False}, data)
    assert held.hold_reason is not None and held.next_tasks == ()
    doc["workflow"]["transitions"][1]["condition"] = "output.missing"
    failed = plan_completion(_wf(doc), "a", {"ok": True}, data)
    assert failed.decision.kind == "hold" and "condition of transition 1 failed" in (failed.hold_reason or "")


def test_join_and_group_states() -> None:
    assert flow.join_state(Join(wait_for="all"), 1, 1) == "wait"
    assert flow.join_state(Join(wait_for="all"), 2, 0) == "ready"
    assert flow.join_state(Join(wait_for=2), 2, 3) == "ready"
    assert flow.join_state(Join(wait_for=3), 2, 0) == "stuck"
    assert flow.group_state("all", 3, 2, 1) == "wait" and flow.group_state(2, 3, 2, 1) == "ready"
    assert flow.group_state(3, 3, 1, 1) == "stuck"
    assert flow.group_output([(2, "c"), (0, "a"), (1, "b")]) == ["a", "b", "c"]
    wf = _wf(split_join())
    assert flow.upstream(wf, "meet") == {"intake", "b0", "b1", "b2"}


def test_for_each_items_and_item_scope() -> None:
    data = {"ticket": {"items": [1, 2]}, "tasks": {}, "workflow": {}}
    assert flow.items_of("ticket.items", {"ticket": data["ticket"]}) == [1, 2]
    assert compute_input("{'i': item, 'at': index}", data, extra={"item": 5, "index": 0}) == {"i": 5, "at": 0}
    with pytest.raises(ExpressionError, match="must give a list"):
        flow.items_of("ticket", {"ticket": {}})
    with pytest.raises(ExpressionError, match="at most"):
        flow.items_of("ticket.items", {"ticket": {"items": list(range(MAX_FOR_EACH_ITEMS + 1))}})
    with pytest.raises(ExpressionError, match="must give a map"):
        flow.call_ticket("[1]", {})


def test_the_dry_run_runs_branches_and_joins_like_the_runtime() -> None:
    doc = split_join(wait_for=2, cancel_rest=True)
    every = {k: OK for k in ("intake", "b0", "b1", "b2", "done")}
    result = dry_run(doc, "par", {"n": 1}, every, {})
    assert result.outcome == "completed"
    assert result.path == ["intake", "b0", "b1", "meet", "done"]  # b2 cancelled once two arrived
    assert result.workflow_data["tasks"]["meet"] == {"arrived": ["b0", "b1"]}
    waiting = dry_run(split_join(), "par", {"n": 1}, {"intake": OK, "b0": OK, "b2": OK}, {})
    assert waiting.outcome == "waiting" and waiting.stopped_at == "b1" and waiting.waiting == ("b1",)
    assert waiting.path == ["intake", "b0", "b1", "b2"]


def test_the_dry_run_of_for_each_and_call() -> None:
    review = form("review", for_each="ticket.items", complete_when=2, input_transform="{'n': item, 'i': index}")
    doc = bundle("par", [review, {"key": "call", "title": "Call", "type": "CALL", "workflow": "other"}],
                 [("review", "call"), ("call", None)])
    result = dry_run(doc, "par", {"items": [7, 8, 9]}, {"review": [{"ok": True}, {"ok": False}, OK]}, {})
    assert result.steps[0].input == {"for_each": [{"n": 7, "i": 0}, {"n": 8, "i": 1}, {"n": 9, "i": 2}]}
    assert result.workflow_data["tasks"]["review"] == [{"ok": True}, {"ok": False}]
    assert result.outcome == "waiting" and result.stopped_at == "call" and "called workflow" in (result.reason or "")
    done = dry_run(doc, "par", {"items": [7, 8]}, {"review": OK, "call": {"x": 1}}, {})
    assert done.outcome == "completed" and done.workflow_data["tasks"]["call"] == {"x": 1}


def _problems(doc: dict[str, Any], existing: ExistingDefinitions | None = None) -> dict[str, str]:
    report = validate(doc, existing, allow_private_networks=True)
    return {p.code: p.path for p in [*report.errors, *report.warnings]}


def test_flow_rules_with_pointers() -> None:
    assert not validate(split_join(), allow_private_networks=True).errors
    lonely = bundle("par", [form("a"), join("j"), form("b")], [("a", "j"), ("j", "b"), ("b", None)])
    assert _problems(lonely)["join.too_few_branches"] == "/workflow/tasks/1"
    greedy = split_join(wait_for=4)
    assert _problems(greedy)["join.wait_for_too_large"] == "/workflow/tasks/4/join/wait_for"
    looping = split_join()
    looping["workflow"]["transitions"][-1] = {"from": "done", "to": "intake", "condition": "!output.ok"}
    looping["workflow"]["transitions"].append({"from": "done", "to": None})
    assert _problems(looping)["join.in_loop"] == "/workflow/tasks/4"
    clash = split_join()
    clash["workflow"]["fields"] = [{"name": "who", "type": "string"}]
    clash["workflow"]["tasks"][1]["set"] = {"who": "'b0'"}
    clash["workflow"]["tasks"][2]["set"] = {"who": "'b1'"}
    assert _problems(clash)["set.parallel_conflict"] == "/workflow/tasks/2/set/who"
    alone = bundle("par", [form("a", complete_when=2), form("b", next="all")], [("a", "b"), ("b", None)])
    found = _problems(alone)
    assert found["for_each.complete_when_alone"] == "/workflow/tasks/0/complete_when"
    assert found["split.single_branch"] == "/workflow/tasks/1/next"


def test_call_targets_and_cycles() -> None:
    call = {"key": "call", "title": "Call", "type": "CALL", "workflow": "child"}
    doc = bundle("par", [call], [("call", None)])
    assert _problems(doc, ExistingDefinitions(workflows={"childs": []}))["call.unknown_workflow"] == \
        "/workflow/tasks/0/workflow"
    assert "call.unknown_workflow" not in _problems(doc)  # offline: the company's workflows are unknown
    cycle = ExistingDefinitions(workflows={"child": [], "par": []}, calls={"child": ["grandchild"],
                                                                         "grandchild": ["par"]})
    assert _problems(doc, cycle)["call.cycle"] == "/workflow/tasks/0/workflow"
    itself = bundle("par", [{**call, "workflow": "par"}], [("call", None)])
    assert _problems(itself)["call.cycle"] == "/workflow/tasks/0/workflow"
    assert not validate(doc, ExistingDefinitions(workflows={"child": []}), allow_private_networks=True).errors
