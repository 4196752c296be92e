"""Pure helpers of the assistant and staff pages: placeholders filled at pointers, diffs, review lists, rows."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from types import MappingProxyType, SimpleNamespace
from typing import Any

import pytest

from tfai.assistant.placeholders import find_placeholders
from tfai.ui.state.assistant_helpers import (
    bundle_diff,
    error_kind,
    fill_all,
    fill_placeholder,
    form_previews,
    message_row,
    placeholder_rows,
    plain,
    review_items,
    workflow_key,
)
from tfai.ui.state.staff_helpers import audit_row, banner_text, grant_row, parse_actor_filter, parse_minutes


def _bundle() -> dict[str, Any]:
    return {
        "format": "tfai.bundle/v1",
        "workflow": {
            "key": "vendor-onboarding", "title": "Vendor onboarding", "start": "review",
            "tasks": [
                {"key": "review", "title": "Review the vendor", "type": "FORM",
                 "input_transform": "{'name': ticket.name}",
                 "output_schema": {"type": "object", "required": ["ok"],
                                   "properties": {"ok": {"type": "boolean"}, "note": {"type": "string"}}},
                 "edit_layout": {"widgets": {"note": "textarea"}}},
                {"key": "register", "title": "Register in ERP", "type": "SYNC_ACTION",
                 "action_url": "{{ASK: the URL of your ERP's vendor API}}",
                 "output_transform": "{'id': response.body.id}"},
            ],
            "transitions": [
                {"from": "review", "to": "register", "condition": "output.ok", "priority": 10},
                {"from": "review", "to": None},
                {"from": "register", "to": None},
            ],
        },
        "ticket_types": [{
            "key": "vendor", "title": "New vendor", "workflow": "vendor-onboarding",
            "fields": {"type": "object", "required": ["name"],
                       "properties": {"name": {"type": "string"}, "country": {"type": "string",
                                                                              "enum": ["DE", "FR"]}}},
            "company_role_access": ["{{ASK: which company role may request vendors}} team"],
        }],
    }


def test_placeholders_are_listed_with_their_pointers() -> None:
    rows = placeholder_rows(_bundle())
    assert rows == [
        {"path": "/ticket_types/0/company_role_access/0", "question": "which company role may request vendors"},
        {"path": "/workflow/tasks/1/action_url", "question": "the URL of your ERP's vendor API"},
    ]


def test_a_whole_string_placeholder_becomes_the_value() -> None:
    original = _bundle()
    filled = fill_placeholder(original, "/workflow/tasks/1/action_url", "  https://erp.example.com/vendors ")
    assert filled["workflow"]["tasks"][1]["action_url"] == "https://erp.example.com/vendors"
    assert original == _bundle(), "the proposal itself is not changed"


def test_a_placeholder_inside_text_is_replaced_in_place() -> None:
    filled = fill_placeholder(_bundle(), "/ticket_types/0/company_role_access/0", "purchasing")
    assert filled["ticket_types"][0]["company_role_access"] == ["purchasing team"]
    assert len(find_placeholders(filled)) == 1


def test_filling_every_placeholder_leaves_none() -> None:
    doc, problems = fill_all(_bundle(), {"/workflow/tasks/1/action_url": "https://erp.example.com/v",
                                         "/ticket_types/0/company_role_access/0": "buyers"})
    assert problems == {}
    assert find_placeholders(doc) == []


def test_empty_values_are_skipped_and_other_pointers_refused() -> None:
    doc, problems = fill_all(_bundle(), {"/workflow/tasks/1/action_url": "  ", "/workflow/tasks/9/action_url": "x",
                                         "/workflow/start": "other"})
    assert doc["workflow"]["tasks"][1]["action_url"].startswith("{{ASK")
    assert set(problems) == {"/workflow/tasks/9/action_url", "/workflow/start"}
    assert doc["workflow"]["start"] == "review", "only placeholders can be filled in"


@pytest.mark.parametrize("path", ["", "/workflow/tasks", "/nope/0", "/workflow/transitions/0/priority",
                                  "/workflow/title"])
def test_only_strings_with_a_placeholder_can_be_filled(path: str) -> None:
    with pytest.raises((KeyError, IndexError, ValueError)):
        fill_placeholder(_bundle(), path, "x")


def test_pointer_escapes_are_honoured() -> None:
    doc = {"format": "tfai.bundle/v1", "a/b": {"c~d": "{{ASK: what}}"}}
    assert fill_placeholder(doc, "/a~1b/c~0d", "done") == {"format": "tfai.bundle/v1", "a/b": {"c~d": "done"}}


def test_review_lists_urls_conditions_and_transforms() -> None:
    items = review_items(_bundle())
    kinds = [(i["kind"], i["where"], i["text"]) for i in items]
    assert ("URL", "task register", "{{ASK: the URL of your ERP's vendor API}}") in kinds
    assert ("condition", "review → register", "output.ok") in kinds
    assert ("input transform", "task review", "{'name': ticket.name}") in kinds
    assert ("output transform", "task register", "{'id': response.body.id}") in kinds
    assert len(items) == 4, "transitions without a condition are not listed"
    assert {i["path"] for i in items} >= {"/workflow/tasks/1/action_url", "/workflow/transitions/0/condition"}


def test_review_marks_action_urls_that_differ_from_the_saved_version() -> None:
    saved = _bundle()
    saved["workflow"]["tasks"][1]["action_url"] = "https://erp.example.com/vendors"
    proposed = copy.deepcopy(saved)
    assert [i["changed"] for i in review_items(proposed, saved) if i["kind"] == "URL"] == [""]
    proposed["workflow"]["tasks"][1]["action_url"] = "https://attacker.example.net/vendors"
    marked = [i for i in review_items(proposed, saved) if i["changed"]]
    assert [(i["kind"], i["text"]) for i in marked] == [("URL", "https://attacker.example.net/vendors")]
    assert all(i["changed"] == "" for i in review_items(proposed))  # a new workflow has no saved version


def test_review_of_a_broken_draft_does_not_fail() -> None:
    assert review_items({"workflow": {"tasks": "nope", "transitions": [1, None]}}) == []
    assert review_items(None) == []


def test_diff_shows_only_what_changed() -> None:
    current = _bundle()
    proposed = copy.deepcopy(current)
    proposed["workflow"]["tasks"][0]["title"] = "Check the vendor"
    rows = bundle_diff(current, proposed, key="vendor-onboarding")
    assert rows[0] == {"kind": "header", "text": "--- vendor-onboarding (current)", "colour": "gray"}
    removed = [r["text"][1:].strip() for r in rows if r["kind"] == "remove"]
    added = [r["text"][1:].strip() for r in rows if r["kind"] == "add"]
    assert removed == ['"title": "Review the vendor",']
    assert added == ['"title": "Check the vendor",']
    assert all(r["colour"] == {"add": "green", "remove": "red"}.get(r["kind"], r["colour"]) for r in rows)


def test_diff_ignores_key_order_and_is_empty_when_equal() -> None:
    current = _bundle()
    reordered = dict(reversed(list(copy.deepcopy(current).items())))
    assert bundle_diff(current, reordered) == []


def test_form_previews_cover_ticket_types_and_form_tasks() -> None:
    previews = form_previews(_bundle())
    assert [p["title"] for p in previews] == ["Ticket type: New vendor", "Form task: Review the vendor"]
    ticket_fields = {f["name"]: f for f in previews[0]["fields"]}
    assert ticket_fields["country"]["widget"] == "select" and ticket_fields["country"]["options"] == ["DE", "FR"]
    assert ticket_fields["name"]["required"] is True
    task_fields = {f["name"]: f["widget"] for f in previews[1]["fields"]}
    assert task_fields == {"ok": "checkbox", "note": "textarea"}


def test_form_previews_survive_a_bad_schema() -> None:
    previews = form_previews({"ticket_types": [{"key": "x", "fields": "not a schema"}]})
    assert previews == [{"title": "Ticket type: x", "key": "x", "fields": []}]


def test_message_rows_carry_plain_text_and_the_proposal() -> None:
    proposal = SimpleNamespace(id=7, summary="Vendor onboarding", status="pending", valid=True)
    row = message_row(SimpleNamespace(id=3, role="assistant", content="<img src=x onerror=alert(1)>",
                                      proposal=proposal))
    assert row["content"] == "<img src=x onerror=alert(1)>", "kept as text; the page renders it as text"
    assert (row["proposal_id"], row["proposal_status"], row["proposal_valid"]) == (7, "pending", True)
    assert message_row(SimpleNamespace(id=4, role="user", content="hi", proposal=None))["proposal_id"] == 0


def test_error_kinds_and_workflow_key() -> None:
    assert (error_kind(503), error_kind(429), error_kind(422)) == ("unavailable", "budget", "error")
    assert workflow_key(_bundle()) == "vendor-onboarding" and workflow_key({}) == ""


def test_banner_text_is_the_agreed_sentence() -> None:
    expires = datetime(2025, 3, 1, 14, 5, tzinfo=UTC)
    assert banner_text("Acme", "Fix the refund workflow", expires) == (
        "Acting in Acme as Ticketflower staff · Fix the refund workflow · until 14:05 UTC")


def test_grant_and_audit_rows() -> None:
    at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    grant = SimpleNamespace(grant_id=5, staff_email="sam@ticketflower.example", reason="demo", mode="read",
                            created_at=at, expires_at=at, ended_at=None, minutes=90, status="active", actions=2,
                            views=3)
    row = grant_row(grant)
    assert (row["mode"], row["duration"], row["when"], row["actions"], row["views"]) == (
        "read-only", "1 h 30 min", "2025-03-01 09:00 UTC", 2, 3)
    entry = SimpleNamespace(id=1, created_at=at, entity="ticket", entity_id="9", action="ticket.comment",
                            actor_email="admin@a.example", actor_user_id=3, staff_grant_id=5,
                            staff_email="sam@ticketflower.example", before=None, after={"x": 1})
    audited = audit_row(entry)
    assert audited["who"] == "sam@ticketflower.example (Ticketflower staff, grant #5)"
    assert (audited["before"], audited["after"]) == ("", '{"x": 1}')


def test_form_parsing_of_minutes_and_actor_filter() -> None:
    assert (parse_minutes(""), parse_minutes("120"), parse_minutes("1.5")) == (60, 120, None)
    assert parse_actor_filter("") == (None, "")
    assert parse_actor_filter("#12") == (12, "")
    assert parse_actor_filter("bob")[1] != ""


def test_plain_copies_wrapped_mappings_into_dicts() -> None:
    wrapped = MappingProxyType({"workflow": MappingProxyType({"tasks": ({"key": "a"},)})})
    copied = plain(wrapped)
    assert copied == {"workflow": {"tasks": [{"key": "a"}]}}
    assert type(copied) is dict and type(copied["workflow"]) is dict and type(copied["workflow"]["tasks"]) is list
