"""Timer rules of the validator: each problem with its code and JSON pointer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.bundles import laptop
from tfai.domain.limits import MAX_REMINDERS
from tfai.domain.problems import Report
from tfai.domain.validate import validate
from tfai.domain.validate_timers import check_timers


def _workflow(*tasks: dict[str, Any]) -> dict[str, Any]:
    return {"key": "wf", "fields": [{"name": "deadline", "type": "string"}],
            "tasks": [{"key": "review", "type": "FORM", "output_schema": {"type": "object"}},
                      {"key": "escalate", "type": "FORM", "output_schema": {"type": "object"}}, *tasks]}


def _problems(*tasks: dict[str, Any]) -> list[tuple[str, str]]:
    report = Report()
    check_timers({}, _workflow(*tasks), report)
    return [(p.path, p.code) for p in report.errors]


TASK = "/workflow/tasks/2"


def test_well_formed_timer_constructs_pass() -> None:
    assert _problems(
        {"key": "wait", "type": "TIMER", "wait": "P3D"},
        {"key": "until", "type": "TIMER", "until": "timestamp(workflow.deadline)"},
        {"key": "until2", "type": "TIMER", "until": 'timestamp(workflow.deadline) + duration("24h")'},
        {"key": "form", "type": "FORM", "output_schema": {"type": "object"}, "due": "P1DT2H30M",
         "timeout": {"after": "PT48H", "to": "escalate"}, "remind": {"every": "P1D", "times": 3}},
        {"key": "async", "type": "ASYNC_ACTION", "timeout": {"after": "PT30M", "to": "review"},
         "remind": {"every": "PT10M"}},
    ) == []


@pytest.mark.parametrize("task, expected", [
    ({"type": "TIMER"}, [(TASK, "timer.wait_or_until")]),
    ({"type": "TIMER", "wait": "P1D", "until": "timestamp(workflow.deadline)"}, [(TASK, "timer.wait_or_until")]),
    ({"type": "TIMER", "wait": "P1M"}, [(f"{TASK}/wait", "timer.duration")]),
    ({"type": "TIMER", "wait": "PT0S"}, [(f"{TASK}/wait", "timer.duration")]),
    ({"type": "TIMER", "wait": 3}, [(f"{TASK}/wait", "timer.duration")]),
    ({"type": "TIMER", "until": "timestamp(workflow.nope)"}, [(f"{TASK}/until", "expression.unknown_field")]),
    ({"type": "TIMER", "until": "timestamp("}, [(f"{TASK}/until", "expression.syntax")]),
    ({"type": "TIMER", "until": "1 < 2"}, [(f"{TASK}/until", "timer.until_not_timestamp")]),
    ({"type": "TIMER", "until": "{'a': 1}"}, [(f"{TASK}/until", "timer.until_not_timestamp")]),
    ({"type": "TIMER", "until": 12}, [(f"{TASK}/until", "timer.until_not_expression")]),
    ({"type": "FORM", "wait": "P1D"}, [(f"{TASK}/wait", "timer.not_a_timer")]),
    ({"type": "FORM", "timeout": {"after": "tomorrow", "to": "escalate"}},
     [(f"{TASK}/timeout/after", "timer.duration")]),
    ({"type": "FORM", "timeout": {"after": "PT1H", "to": "escalte"}},
     [(f"{TASK}/timeout/to", "timeout.unknown_target")]),
    ({"type": "FORM", "timeout": {"after": "PT1H"}}, [(f"{TASK}/timeout", "timeout.to_missing")]),
    ({"type": "FORM", "timeout": {"to": "escalate"}}, [(f"{TASK}/timeout", "timeout.after_missing")]),
    ({"type": "FORM", "timeout": "PT1H"}, [(f"{TASK}/timeout", "timeout.shape")]),
    ({"type": "FORM", "remind": {"every": "P1Y"}}, [(f"{TASK}/remind/every", "timer.duration")]),
    ({"type": "FORM", "remind": {"every": "P1D", "times": 0}}, [(f"{TASK}/remind/times", "remind.times_range")]),
    ({"type": "FORM", "remind": {"every": "P1D", "times": MAX_REMINDERS + 1}},
     [(f"{TASK}/remind/times", "remind.times_range")]),
    ({"type": "FORM", "remind": {"every": "P1D", "times": True}}, [(f"{TASK}/remind/times", "remind.times_range")]),
    ({"type": "FORM", "remind": {"times": 2}}, [(f"{TASK}/remind", "remind.every_missing")]),
    ({"type": "FORM", "due": "P1.5D"}, [(f"{TASK}/due", "timer.duration")]),
    ({"type": "SYNC_ACTION", "timeout": {"after": "PT1H", "to": "review"}},
     [(f"{TASK}/timeout", "timeout.not_allowed")]),
    ({"type": "TIMER", "wait": "P1D", "remind": {"every": "P1D"}}, [(f"{TASK}/remind", "remind.not_allowed")]),
    ({"type": "ASYNC_ACTION", "due": "P1D"}, [(f"{TASK}/due", "due.not_allowed")]),
])
def test_each_rule_reports_at_its_pointer(task: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert _problems({"key": "t", **task}) == expected


def test_messages_say_what_to_write() -> None:
    report = Report()
    check_timers({}, _workflow({"key": "t", "type": "FORM", "timeout": {"after": "P1M", "to": "escalte"}}), report)
    messages = {p.code: p.message for p in report.errors}
    assert "use days or weeks" in messages["timer.duration"]
    assert "did you mean 'escalate'?" in messages["timeout.unknown_target"]


def test_the_validator_runs_the_timer_rules() -> None:
    bundle = laptop()
    bundle["workflow"]["tasks"][0]["timeout"] = {"after": "P2M", "to": "nowhere"}
    found = {(p.path, p.code) for p in validate(bundle).errors}
    assert ("/workflow/tasks/0/timeout/after", "timer.duration") in found
    assert ("/workflow/tasks/0/timeout/to", "timeout.unknown_target") in found
