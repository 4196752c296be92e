"""The two flow examples of issue 21 hold the constructs they show (the generic example tests validate them)."""

from __future__ import annotations

from typing import Any

from tests.fixtures.bundles import example
from tfai.domain.layout import form_fields


def _tasks(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for t in bundle["workflow"]["tasks"]}


def _sources(bundle: dict[str, Any], target: str) -> list[str]:
    return [t["from"] for t in bundle["workflow"]["transitions"] if t["to"] == target]


def test_procurement_runs_legal_and_finance_in_parallel_then_two_of_three_managers() -> None:
    bundle = example("parallel-procurement-approval.json")
    tasks = _tasks(bundle)
    assert [k for k, t in tasks.items() if t.get("next") == "all"] == ["review", "brief_managers"]
    assert sorted(t["to"] for t in bundle["workflow"]["transitions"] if t["from"] == "review") == \
        ["finance_approval", "legal_approval"]
    assert tasks["legal_and_finance"]["join"] == {"wait_for": "all", "cancel_rest": False}
    assert sorted(_sources(bundle, "legal_and_finance")) == ["finance_approval", "legal_approval", "legal_escalation"]
    assert tasks["managers"]["type"] == "JOIN" and tasks["managers"]["join"] == {"wait_for": 2, "cancel_rest": True}
    assert sorted(_sources(bundle, "managers")) == ["manager_1", "manager_2", "manager_3"]


def test_procurement_escalates_legal_after_48_hours_and_reminds_finance() -> None:
    tasks = _tasks(example("parallel-procurement-approval.json"))
    assert tasks["legal_approval"]["timeout"] == {"after": "PT48H", "to": "legal_escalation"}
    assert tasks["finance_approval"]["remind"] == {"every": "P1D", "times": 2}


def test_onboarding_prepares_each_equipment_item_and_escalates_after_48_hours() -> None:
    bundle = example("onboarding-equipment.json")
    item = _tasks(bundle)["prepare_item"]
    assert (item["type"], item["for_each"], item["complete_when"]) == ("FORM", "ticket.equipment", "all")
    assert "item" in item["input_transform"] and "index" in item["input_transform"]
    assert item["timeout"] == {"after": "PT48H", "to": "escalate"}
    ticket_type = bundle["ticket_types"][0]
    fields = {f.name: f.widget for f in form_fields(ticket_type["fields"], ticket_type.get("edit_layout"))}
    assert fields["equipment"] == "multiselect"  # the submit form can fill the list
