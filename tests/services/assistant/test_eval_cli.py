"""`tfai assistant eval` runs cases against the configured (fake) endpoint and prints its figures."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.bundles import broken_bundle, laptop
from tests.fixtures.fake_llm import FakeLLM, proposal_reply, status_reply, text_reply
from tests.fixtures.stack import ROOT
from tfai.clitools import assistant as assistant_cli

CASES = """
cases:
  - id: laptops
    prompt: Laptop requests with manager approval.
    expect: {tasks: [3, 6], task_types: [FORM, SYNC_ACTION], conditions: ["approved"], ticket_fields: ["model"]}
  - id: vague
    prompt: Something for purchases.
    expect: {tasks: [1, 5]}
"""


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tfai")
    assistant_cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_eval_prints_figures(fake_llm: FakeLLM, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(CASES)
    fake_llm.enqueue(proposal_reply(laptop()), proposal_reply(broken_bundle()), proposal_reply(laptop()),
                     text_reply("What do you buy?"), status_reply(429))
    args = _parse(["assistant", "eval", "--cases", str(cases), "--runs", "2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "runs:                       4 (1 failed to answer)" in out
    assert "schema-valid on first try:  25.0%" in out
    assert "valid after <=3 repairs:    50.0%" in out
    assert "checklist pass:             50.0%" in out
    assert "mean repair rounds:         0.50" in out
    assert "latency p50 / p95:" in out
    assert "tokens:                     prompt 1020, completion 640" in out
    assert "propose_bundle" == fake_llm.history[0]["tools"][0]["function"]["name"]
    assert "no saved definitions yet" in fake_llm.history[0]["messages"][0]["content"]


def test_shipped_cases_are_well_formed() -> None:
    cases = assistant_cli.load_cases(ROOT / "evals" / "assistant_cases.yaml")
    assert len(cases) >= 20 and len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        expect = case["expect"]
        low, high = expect["tasks"]
        assert 1 <= low <= high
        assert set(expect.get("task_types", [])) <= {"FORM", "SYNC_ACTION", "ASYNC_ACTION", "SYNC_ACTION|ASYNC_ACTION",
                                                     "JOIN", "TIMER", "CALL"}
        assert all(isinstance(p, str) and p for p in expect.get("task_props", []))


def test_shipped_cases_cover_the_flow_constructs() -> None:
    cases = {c["id"]: c["expect"] for c in assistant_cli.load_cases(ROOT / "evals" / "assistant_cases.yaml")}
    props = {p for expect in cases.values() for spec in expect.get("task_props", []) for p in spec.split("|")}
    assert {"next=all", "join.wait_for=2", "join.cancel_rest=true", "remind.every=p1d", "timeout.after=pt48h",
            "timeout.to", "for_each"} <= props
    types = {t for expect in cases.values() for t in expect.get("task_types", [])}
    assert {"JOIN", "TIMER"} <= types
    both = cases["parallel-approval-reminder-escalation"]["task_props"]  # the combined case
    assert {"join.wait_for=2", "timeout.after=pt48h"} <= set(both) and any(p.startswith("remind") for p in both)


def _flow_bundle() -> dict[str, Any]:
    """The laptop bundle where approval is two parallel approvals into a 2-of-2 JOIN with a reminder and a timeout."""
    bundle = laptop()
    wf = bundle["workflow"]
    approve = wf["tasks"][0]
    wf["tasks"][0] = {**approve, "key": "split", "title": "Split", "next": "all"}
    wf["tasks"] += [{**approve, "key": "legal", "remind": {"every": "P1D", "times": 2}},
                    {**approve, "key": "finance", "timeout": {"after": "PT48H", "to": "rejected"}},
                    {"key": "both", "title": "Both", "type": "JOIN", "join": {"wait_for": 2, "cancel_rest": True}}]
    return bundle


def test_checklist_checks_task_properties() -> None:
    bundle = _flow_bundle()
    assert assistant_cli.checklist(bundle, {"task_props": ["next=all", "join.wait_for=2", "join.cancel_rest=true",
                                                           "remind.every=p1d", "timeout.after=pt48h|timeout.to"]}) == []
    assert assistant_cli.checklist(bundle, {"task_props": ["for_each", "join.wait_for=3", "remind.times=9"]}) == [
        "no task with for_each", "no task with join.wait_for=3", "no task with remind.times=9"]
    assert assistant_cli.checklist(laptop(), {"task_props": ["next=all"]}) == ["no task with next=all"]


def test_checklist_reports_what_failed() -> None:
    failed = assistant_cli.checklist(laptop(), {"tasks": [1, 2], "task_types": ["FORM"],
                                                       "conditions": ["amount > 1000"], "ticket_fields": ["price"]})
    assert failed == ["tasks 4 not in [1, 2]", "no condition mentioning amount > 1000"]
    assert assistant_cli.checklist(laptop(), {"task_types": ["ASYNC_ACTION|SYNC_ACTION", "FORM"]}) == []
    assert assistant_cli.checklist(laptop(), {"task_types": ["NOPE"]}) == ["no NOPE task"]


def test_unreadable_cases_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["assistant", "eval", "--cases", str(tmp_path / "missing.yaml")])
    assert args.func(args) == 2
    assert "cannot use the cases file" in capsys.readouterr().err
