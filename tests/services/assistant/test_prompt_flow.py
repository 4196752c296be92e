"""The assistant knows issue 21's flow constructs: schema summary, CEL scope, rules, company context."""

from __future__ import annotations

import re
from typing import Any

from tfai.assistant import prompts
from tfai.assistant.context import CEL_RULES, SCHEMA_SUMMARY, CompanyDefinitions, WorkflowInfo, render_company_context
from tfai.domain.bundle import published_schema


def _system_prompt() -> str:
    return prompts.system_prompt(company_context="", schema_summary=SCHEMA_SUMMARY, cel_rules=CEL_RULES)


def test_the_schema_summary_names_every_task_property_and_type() -> None:
    task = published_schema("bundle")["$defs"]["Task"]
    for prop in task["properties"]:
        assert re.search(rf"\b{prop}\??:|\b{prop}\?[,}}]|\b{prop}[,}}]", SCHEMA_SUMMARY), prop
    for task_type in task["properties"]["type"]["enum"]:
        assert task_type in SCHEMA_SUMMARY, task_type
    for fragment in ("next?: first|all", "join?: {wait_for?: all|<n>, cancel_rest?: bool}", "wait?: <duration>",
                     "until?: <CEL timestamp>", "timeout?: {after: <duration>, to: <task key>}",
                     "remind?: {every: <duration>, times: 1..100}", "due?: <duration>", "for_each?: <CEL list>",
                     "complete_when?: all|<n>", "workflow?: <workflow key>", "version?: latest|<n>",
                     "input?: <CEL map>", "PT48H"):
        assert fragment in SCHEMA_SUMMARY, fragment


def test_the_cel_rules_give_the_scope_of_the_new_expressions() -> None:
    for fragment in ("`for_each` (a list)", "`until` (a timestamp", "CALL's `input` (a map",
                     "also sees `item` (this instance's element) and `index`", "{arrived: [task keys]}"):
        assert fragment in CEL_RULES, fragment


def test_the_prompt_says_when_to_use_each_construct() -> None:
    text = _system_prompt()
    for fragment in ('`"next": "all"`', "`JOIN` task", '`"wait_for": 2, "cancel_rest": true`', "`has(tasks.<key>",
                     '`TIMER` task with `"wait": "P3D"`', '`"timeout": {"after": "PT48H", "to": "<escalation task>"}`',
                     '`"remind": {"every": "P1D", "times": 3}`', '`"due": "P2D"`', '`"for_each": "ticket.items"`',
                     "`CALL` task", "never `set` the same workflow field", "no fallback transition"):
        assert fragment in text, fragment
    assert prompts.variables(text) == set()


def test_the_company_context_shows_flow_properties_of_saved_workflows() -> None:
    section: dict[str, Any] = {"key": "buy", "tasks": [
        {"key": "review", "type": "FORM", "next": "all"},
        {"key": "legal", "type": "FORM", "timeout": {"after": "PT48H", "to": "escalate"},
         "remind": {"every": "P1D", "times": 2}, "due": "P2D"},
        {"key": "managers", "type": "JOIN", "join": {"wait_for": 2, "cancel_rest": True}},
        {"key": "cool_off", "type": "TIMER", "wait": "P3D"},
        {"key": "items", "type": "FORM", "for_each": "ticket.items", "complete_when": 2},
        {"key": "order", "type": "CALL", "workflow": "ordering", "version": 3},
    ]}
    tasks = [{"key": t["key"], "title": t["key"].title(), "type": t["type"], "outputs": []} for t in section["tasks"]]
    defs = CompanyDefinitions(workflows=[WorkflowInfo(key="buy", title="Buy", version=1, tasks=tasks,
                                                      section=section)], roles=["user"])
    text = render_company_context(defs)
    for fragment in ("task `review` FORM: Review; next all (parallel branches)",
                     "task `legal` FORM: Legal; due `P2D`; timeout after PT48H -> escalate; remind every P1D x2",
                     "task `managers` JOIN: Managers; join waits for 2, cancel rest",
                     "task `cool_off` TIMER: Cool_Off; wait `P3D`",
                     "task `items` FORM: Items; for_each `ticket.items` complete_when 2",
                     "task `order` CALL: Order; calls `ordering` version 3"):
        assert fragment in text, fragment


def test_plain_tasks_get_no_flow_words() -> None:
    section = {"key": "w", "tasks": [{"key": "a", "type": "FORM", "next": "first", "join": None}]}
    defs = CompanyDefinitions(workflows=[WorkflowInfo(key="w", title="W", version=1, section=section,
                                                      tasks=[{"key": "a", "title": "A", "type": "FORM",
                                                              "outputs": ["ok"]}])])
    assert "  task `a` FORM: A -> outputs ok\n" in render_company_context(defs) + "\n"


def test_the_parallel_procurement_example_is_a_worked_example() -> None:
    text = _system_prompt()
    assert "parallel-procurement-approval" in prompts.FEW_SHOT
    assert '"key":"parallel-procurement-approval"' in text
    assert "a 2-of-3 join, a reminder and an escalation timeout" in text
    assert '"wait_for":2,"cancel_rest":true' in text and '"timeout":{"after":"PT48H"' in text
