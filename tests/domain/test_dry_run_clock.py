"""The dry run's clock: "clock" steps move time on, TIMER tasks fire, timeouts continue at `to`, reminders and due
dates are reported in timers_fired, in due order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fixtures.flows import bundle, form, join
from tfai.domain.dry_run import dry_run
from tfai.domain.errors import InvalidInput

START = datetime(2030, 1, 1, tzinfo=UTC)
OK = {"ok": True}


def timer(key: str, **spec: Any) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "type": "TIMER", **spec}


def escalating() -> dict[str, Any]:
    return bundle("te", [form("approve", timeout={"after": "PT48H", "to": "escalate"},
                              remind={"every": "P1D", "times": 3}, due="P1D"), form("escalate"), form("done")],
                  [("approve", "done"), ("escalate", None), ("done", None)])


def parallel() -> dict[str, Any]:
    return bundle("tj", [form("intake", next="all"), form("review"), timer("cool", wait="PT1H"), join("meet"),
                         form("done")],
                  [("intake", "review"), ("intake", "cool"), ("review", "meet"), ("cool", "meet"), ("meet", "done"),
                   ("done", None)])


def test_without_clock_steps_a_timer_waits() -> None:
    result = dry_run(parallel(), "tj", {}, {"intake": OK, "review": OK, "done": OK}, {}, now=START)
    assert result.outcome == "waiting" and result.waiting == ("cool",) and result.timers_fired == ()


def test_a_clock_step_fires_the_timer_and_the_join_completes() -> None:
    result = dry_run(parallel(), "tj", {}, {"intake": OK, "review": OK, "done": OK}, {}, clock=["PT2H"], now=START)
    assert result.outcome == "completed"
    assert result.timers_fired == ({"task": "cool", "kind": "task_timer", "at": "2030-01-01T01:00:00+00:00"},)
    assert result.workflow_data["tasks"]["cool"] == {"fired_at": "2030-01-01T01:00:00+00:00"}
    assert result.workflow_data["tasks"]["meet"] == {"arrived": ["review", "cool"]}


def test_a_short_clock_step_fires_nothing() -> None:
    result = dry_run(parallel(), "tj", {}, {"intake": OK, "review": OK}, {}, clock=["PT30M", "PT29M"], now=START)
    assert result.outcome == "waiting" and result.timers_fired == ()


def test_reminders_and_due_then_the_timeout_continues_at_to() -> None:
    result = dry_run(escalating(), "te", {}, {"escalate": OK}, {}, clock=["PT12H", "PT48H"], now=START)
    assert result.outcome == "completed" and result.path == ["approve", "escalate"]
    assert [(t["kind"], t["at"][:16]) for t in result.timers_fired] == [
        ("remind", "2030-01-02T00:00"), ("due", "2030-01-02T00:00"), ("timeout", "2030-01-03T00:00")]


def test_an_answered_form_arms_no_timer() -> None:
    result = dry_run(escalating(), "te", {}, {"approve": OK, "done": OK}, {}, clock=["P30D"], now=START)
    assert result.outcome == "completed" and result.path == ["approve", "done"] and result.timers_fired == ()


def test_until_timers_fire_at_their_timestamp() -> None:
    doc = bundle("tu", [timer("pause", until='timestamp("2030-01-05T00:00:00Z")'), form("after")],
                 [("pause", "after"), ("after", None)])
    early = dry_run(doc, "tu", {}, {"after": OK}, {}, clock=["P3D"], now=START)
    assert early.outcome == "waiting" and early.timers_fired == ()
    late = dry_run(doc, "tu", {}, {"after": OK}, {}, clock=["P3D", "P2D"], now=START)
    assert late.outcome == "completed" and late.timers_fired[0]["at"] == "2030-01-05T00:00:00+00:00"


def test_a_clock_step_that_is_no_duration_is_refused() -> None:
    with pytest.raises(InvalidInput):
        dry_run(parallel(), "tj", {}, {}, {}, clock=["two days"])
