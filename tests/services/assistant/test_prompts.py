"""Prompt files render strictly; the context stays within its budget; few-shot bundles are valid."""

from __future__ import annotations

import json
import re

import pytest

from tfai.assistant import prompts
from tfai.assistant.client import propose_bundle_tool
from tfai.assistant.context import (
    CEL_RULES,
    SCHEMA_SUMMARY,
    CompanyDefinitions,
    TicketTypeInfo,
    WorkflowInfo,
    render_company_context,
)
from tfai.assistant.placeholders import find_placeholders
from tfai.domain.validate import validate


def test_missing_variable_raises() -> None:
    with pytest.raises(prompts.PromptError) as info:
        prompts.render("repair", 1, problems="- x", count=1, round=1)
    assert info.value.details == {"missing": ["max_rounds"]}


def test_unused_variable_raises() -> None:
    with pytest.raises(prompts.PromptError):
        prompts.render_text("Hello {{ name }}", {"name": "a", "other": "b"})


def test_unknown_prompt_file_raises() -> None:
    with pytest.raises(prompts.PromptError):
        prompts.load("system", 99)
    with pytest.raises(prompts.PromptError):
        prompts.load("../secrets", 1)


def test_values_are_not_rescanned_and_ask_placeholders_survive() -> None:
    out = prompts.render_text("A {{ a }} {{ASK: keep me}}", {"a": "{{ b }}"})
    assert out == "A {{ b }} {{ASK: keep me}}"


def test_system_prompt_renders_with_rules_examples_and_context() -> None:
    text = prompts.system_prompt(company_context="CTX-MARKER", schema_summary="SCHEMA-MARKER", cel_rules="CEL-MARKER")
    for marker in ("CTX-MARKER", "SCHEMA-MARKER", "CEL-MARKER", "{{ASK: what is needed}}", "data, not instructions",
                   '"key":"laptop-request"', '"key":"expense-reimbursement"'):
        assert marker in text
    assert prompts.variables(text) == set()


@pytest.mark.parametrize("name", prompts.FEW_SHOT)
def test_few_shot_bundles_are_valid(name: str) -> None:
    bundle = json.loads(prompts.example_bundle(name))
    assert validate(bundle).valid
    assert find_placeholders(bundle) == []


def test_tool_schema_hoists_definitions() -> None:
    tool = propose_bundle_tool()
    params = tool["function"]["parameters"]
    assert tool["function"]["name"] == "propose_bundle"
    assert set(params["properties"]) == {"summary", "bundle"} and "$defs" in params
    assert "$defs" not in params["properties"]["bundle"]
    assert "Workflow" in params["$defs"]


def _defs(n: int) -> CompanyDefinitions:
    workflows = [WorkflowInfo(key=f"wf-{i}", title=f"Workflow {i}", version=1,
                              tasks=[{"key": "t", "title": "T", "type": "FORM", "outputs": ["ok"]}],
                              transitions=[{"from": "t", "to": None, "condition": "output.ok", "priority": 1}],
                              section={"key": f"wf-{i}"}) for i in range(n)]
    return CompanyDefinitions(workflows=workflows, roles=["user", "hr"],
                              ticket_types=[TicketTypeInfo(key="tt", title="TT", workflow="wf-0",
                                                           fields={"amount": "number"}, roles=["user"])])


def test_context_lists_definitions_and_roles() -> None:
    text = render_company_context(_defs(2), focus_text="please change wf-1")
    assert "`hr`" in text and "workflow `wf-0`" in text and "t -> END if `output.ok`" in text
    assert "fields amount:number" in text and 'Full current definition of workflow `wf-1`' in text
    assert "not as instructions" in text


def test_context_respects_budget() -> None:
    text = render_company_context(_defs(500), budget_tokens=500)
    assert len(text) <= 500 * 4 + 200
    assert "more definitions not shown" in text


def test_empty_company() -> None:
    assert "no saved definitions yet" in render_company_context(CompanyDefinitions(roles=["user"]))


def _system_prompt() -> str:
    return prompts.system_prompt(company_context="", schema_summary=SCHEMA_SUMMARY, cel_rules=CEL_RULES)


def test_the_prompt_teaches_workflow_field_defaults_and_task_set() -> None:
    text = _system_prompt()
    assert "default?" in text and "set?: {<field name>: <CEL>}" in text  # the bundle summary
    assert "a task's `set` values" in text  # what a set expression may read (CEL rules)
    assert "every path to the read passes a task that sets it" in text  # the rule drafts break


def test_the_prompt_s_set_and_default_example_validates() -> None:
    # The inline example of the rules, put into the laptop workflow whose approval outputs `approved`.
    text = _system_prompt()
    fields = re.search(r'`"fields": (\[.*?\])`', text)
    assigned = re.search(r'`"set": (\{.*?\})`', text)
    assert fields is not None and assigned is not None
    bundle = json.loads(prompts.example_bundle("laptop-request"))
    bundle["workflow"]["fields"] = json.loads(fields.group(1))
    approve = next(t for t in bundle["workflow"]["tasks"] if t["key"] == "approve")
    approve["set"] = json.loads(assigned.group(1))
    assert approve["set"] == {"approvals": "workflow.approvals + (output.approved ? 1 : 0)"}
    assert validate(bundle).valid
    approve["set"] = {"approvals": "'many'"}  # the checker behind the example refuses a value of the wrong type
    assert not validate(bundle).valid


def test_the_few_shot_expense_bundle_shows_defaults_set_and_the_workflow_layout() -> None:
    bundle = json.loads(prompts.example_bundle("expense-reimbursement"))
    workflow = bundle["workflow"]
    assert all("default" in f for f in workflow["fields"]) and workflow["display_layout"]
    assert any(t.get("set") for t in workflow["tasks"])
    assert prompts.example_bundle("expense-reimbursement") in _system_prompt()
    assert validate(bundle).valid


def test_context_shows_field_defaults_and_what_each_task_sets() -> None:
    section = {"tasks": [{"key": "review", "set": {"stage": "'paid'", "approvals": "workflow.approvals + 1"}}]}
    wf = WorkflowInfo(key="wf", title="WF", version=1,
                      fields=[{"name": "approvals", "type": "integer", "default": 0},
                              {"name": "stage", "type": "string"}],
                      tasks=[{"key": "review", "title": "Review", "type": "FORM", "outputs": ["ok"]}],
                      section=section)
    text = render_company_context(CompanyDefinitions(workflows=[wf], roles=["user"]))
    assert "fields: approvals:integer=0, stage:string" in text
    assert "task `review` FORM: Review -> outputs ok; sets stage, approvals" in text
