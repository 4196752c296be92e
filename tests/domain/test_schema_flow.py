"""The published bundle schema's flow constructs (issue 21): next, JOIN, TIMER, CALL, timeout, remind, due, for_each."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.fixtures.bundles import EXAMPLE_FILES, example
from tfai.domain.bundle import published_schema
from tfai.domain.validate_structure import structure_problems


def _schema_errors(doc: Any) -> list[Any]:
    return list(Draft202012Validator(published_schema("bundle")).iter_errors(doc))


def _bundle(*tasks: dict[str, Any]) -> dict[str, Any]:
    """A bundle whose workflow has a plain FORM `a` followed by the given tasks (structure only)."""
    form = {"key": "a", "title": "A", "type": "FORM"}
    return {
        "format": "tfai.bundle/v1",
        "workflow": {"key": "w", "title": "W", "start": "a", "tasks": [form, *tasks], "transitions": []},
    }


def _form(**props: Any) -> dict[str, Any]:
    return {"key": "f", "title": "F", "type": "FORM", **props}


VALID: dict[str, dict[str, Any]] = {
    "next all": _bundle(_form(next="all")),
    "next first": _bundle(_form(next="first")),
    "join all": _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {"wait_for": "all", "cancel_rest": False}}),
    "join 2 of n": _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {"wait_for": 2, "cancel_rest": True}}),
    "join defaults": _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {}}),
    "timer wait": _bundle({"key": "t", "title": "T", "type": "TIMER", "wait": "P3D"}),
    "timer until": _bundle({"key": "t", "title": "T", "type": "TIMER", "until": "timestamp(ticket.start)"}),
    "timer wait, until null": _bundle({"key": "t", "title": "T", "type": "TIMER", "wait": "PT1H", "until": None}),
    "form timeout remind due": _bundle(_form(
        timeout={"after": "PT48H", "to": "a"}, remind={"every": "P1D", "times": 2}, due="P1DT12H")),
    "async timeout": _bundle({"key": "x", "title": "X", "type": "ASYNC_ACTION", "action_url": "https://e.example",
                              "timeout": {"after": "PT30M", "to": "a"}, "remind": {"every": "PT10M", "times": 1}}),
    "for each": _bundle(_form(for_each="ticket.items", complete_when="all")),
    "for each 2": _bundle(_form(for_each="ticket.items", complete_when=2)),
    "call latest": _bundle({"key": "c", "title": "C", "type": "CALL", "workflow": "child-flow"}),
    "call version": _bundle({"key": "c", "title": "C", "type": "CALL", "workflow": "child", "version": 3,
                             "input": "{'name': ticket.name}"}),
    "call latest explicit": _bundle({"key": "c", "title": "C", "type": "CALL", "workflow": "child",
                                     "version": "latest"}),
    "nulls on a form": _bundle(_form(join=None, wait=None, workflow=None, timeout=None, for_each=None)),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_the_new_constructs_are_valid(name: str) -> None:
    assert _schema_errors(VALID[name]) == []


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_stays_valid(path) -> None:  # type: ignore[no-untyped-def]
    assert _schema_errors(example(path.name)) == []


T1 = "/workflow/tasks/1"

INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    # (name, document, pointer of a problem, a fragment of its code)
    ("next unknown", _bundle(_form(next="any")), f"{T1}/next", "schema.enum"),
    ("join missing", _bundle({"key": "j", "title": "J", "type": "JOIN"}), T1, "schema.required"),
    ("join null on JOIN", _bundle({"key": "j", "title": "J", "type": "JOIN", "join": None}), f"{T1}/join",
     "schema.type"),
    ("wait_for zero", _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {"wait_for": 0}}),
     f"{T1}/join/wait_for", "schema."),
    ("wait_for some", _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {"wait_for": "some"}}),
     f"{T1}/join/wait_for", "schema."),
    ("cancel_rest text", _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {"cancel_rest": "yes"}}),
     f"{T1}/join/cancel_rest", "schema.type"),
    ("join extra", _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {"n": 2}}),
     f"{T1}/join/n", "schema.unknown_property"),
    ("join on a form", _bundle(_form(join={"wait_for": "all"})), f"{T1}/join", "schema.type"),
    ("timer without wait or until", _bundle({"key": "t", "title": "T", "type": "TIMER"}), T1, "schema."),
    ("timer with both", _bundle({"key": "t", "title": "T", "type": "TIMER", "wait": "P1D", "until": "now"}),
     T1, "schema."),
    ("wait not a duration", _bundle({"key": "t", "title": "T", "type": "TIMER", "wait": "3 days"}),
     f"{T1}/wait", "schema.pattern"),
    ("wait on a form", _bundle(_form(wait="P1D")), f"{T1}/wait", "schema.type"),
    ("until on a form", _bundle(_form(until="now")), f"{T1}/until", "schema.type"),
    ("timeout on a sync action", _bundle({"key": "s", "title": "S", "type": "SYNC_ACTION",
                                          "action_url": "https://e.example", "timeout": {"after": "PT1H", "to": "a"}}),
     f"{T1}/timeout", "schema.type"),
    ("remind on a timer", _bundle({"key": "t", "title": "T", "type": "TIMER", "wait": "P1D",
                                   "remind": {"every": "P1D", "times": 1}}), f"{T1}/remind", "schema.type"),
    ("timeout without to", _bundle(_form(timeout={"after": "PT48H"})), f"{T1}/timeout", "schema.required"),
    ("timeout to a bad key", _bundle(_form(timeout={"after": "PT48H", "to": "Not A Key"})),
     f"{T1}/timeout/to", "schema.pattern"),
    ("remind zero times", _bundle(_form(remind={"every": "P1D", "times": 0})), f"{T1}/remind/times", "schema.minimum"),
    ("remind too many", _bundle(_form(remind={"every": "P1D", "times": 10_000})),
     f"{T1}/remind/times", "schema.maximum"),
    ("remind without every", _bundle(_form(remind={"times": 2})), f"{T1}/remind", "schema.required"),
    ("due on an async action", _bundle({"key": "x", "title": "X", "type": "ASYNC_ACTION", "due": "P1D"}),
     f"{T1}/due", "schema.type"),
    ("due not a duration", _bundle(_form(due="tomorrow")), f"{T1}/due", "schema.pattern"),
    ("for_each on an action", _bundle({"key": "x", "title": "X", "type": "SYNC_ACTION", "for_each": "ticket.items"}),
     f"{T1}/for_each", "schema.type"),
    ("for_each empty", _bundle(_form(for_each="")), f"{T1}/for_each", "schema.minLength"),
    ("complete_when on a join", _bundle({"key": "j", "title": "J", "type": "JOIN", "join": {},
                                         "complete_when": 1}), f"{T1}/complete_when", "schema.type"),
    ("complete_when zero", _bundle(_form(for_each="ticket.items", complete_when=0)),
     f"{T1}/complete_when", "schema."),
    ("call without workflow", _bundle({"key": "c", "title": "C", "type": "CALL"}), T1, "schema.required"),
    ("call to a bad key", _bundle({"key": "c", "title": "C", "type": "CALL", "workflow": "Bad Key"}),
     f"{T1}/workflow", "schema.pattern"),
    ("call version zero", _bundle({"key": "c", "title": "C", "type": "CALL", "workflow": "w", "version": 0}),
     f"{T1}/version", "schema."),
    ("call version newest", _bundle({"key": "c", "title": "C", "type": "CALL", "workflow": "w",
                                     "version": "newest"}), f"{T1}/version", "schema."),
    ("workflow on a form", _bundle(_form(workflow="w")), f"{T1}/workflow", "schema.type"),
    ("input on a form", _bundle(_form(input="{}")), f"{T1}/input", "schema.type"),
    ("unknown type", _bundle({"key": "g", "title": "G", "type": "GATEWAY"}), f"{T1}/type", "schema.enum"),
]


@pytest.mark.parametrize(("name", "doc", "where", "code"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_constructs_are_refused_with_a_pointer(name: str, doc: dict[str, Any], where: str, code: str) -> None:
    assert _schema_errors(doc), name
    problems = structure_problems(doc)
    assert any(p.path == where and p.code.startswith(code) for p in problems), [
        (p.path, p.code, p.message) for p in problems
    ]


def test_the_task_types_and_new_properties_are_described() -> None:
    task = published_schema("bundle")["$defs"]["Task"]
    assert set(task["properties"]["type"]["enum"]) >= {"FORM", "SYNC_ACTION", "ASYNC_ACTION", "JOIN", "TIMER", "CALL"}
    for prop in ("next", "join", "wait", "until", "timeout", "remind", "due", "for_each", "complete_when",
                 "workflow", "version", "input"):
        assert task["properties"][prop].get("description"), prop
