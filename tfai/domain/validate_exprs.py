"""CEL checks per place: which names are in scope where, and the schemas their field paths are read from."""

from __future__ import annotations

from typing import Any

from tfai.domain.expressions import check_expression
from tfai.domain.problems import Report, pointer
from tfai.domain.validate_graph import items

JsonSchema = dict[str, Any]
RESPONSE_SCHEMA: JsonSchema = {
    "type": "object",
    "properties": {"status": {"type": "integer"}, "headers": {"type": "object"}, "body": {}},
    "additionalProperties": False,
}


def _schema(value: Any) -> JsonSchema | None:
    return value if isinstance(value, dict) else None


def ticket_schema(bundle: dict[str, Any], workflow_key: Any) -> JsonSchema | None:
    """The ticket data schema seen by a workflow: the union of its ticket types' fields in this bundle."""
    properties: dict[str, Any] = {}
    found = False
    for _, tt in items(bundle.get("ticket_types")):
        fields = tt.get("fields")
        if tt.get("workflow") != workflow_key or not isinstance(fields, dict):
            continue
        props = fields.get("properties")
        if not isinstance(props, dict):
            return None  # a free-form ticket type: nothing to check against
        found = True
        for name, prop in props.items():
            properties.setdefault(name, prop)
    return {"type": "object", "properties": properties} if found else None


def workflow_schema(workflow: dict[str, Any]) -> JsonSchema:
    """The schema of `workflow`: its declared fields."""
    props = {
        f["name"]: {"type": f["type"]} if isinstance(f.get("type"), str) else {}
        for _, f in items(workflow.get("fields"))
        if isinstance(f.get("name"), str)
    }
    return {"type": "object", "properties": props, "additionalProperties": False}


JOIN_OUTPUT: JsonSchema = {"type": "object", "properties": {"arrived": {"type": "array", "items": {"type": "string"}}}}


def output_schema(task: dict[str, Any]) -> JsonSchema:
    """What a task records in tasks.<key>: a JOIN its arrivals, a for_each FORM the list of its instances' outputs,
    a CALL its child's workflow data (unchecked), anything else its output (unchecked without a schema)."""
    own = _schema(task.get("output_schema")) or {}
    if task.get("type") == "JOIN":
        return JOIN_OUTPUT
    if task.get("type") == "CALL":
        return {}
    if task.get("for_each") is not None:
        return {"type": "array", "items": own}
    return own


def tasks_schema(workflow: dict[str, Any]) -> JsonSchema:
    """The schema of `tasks`: each task key maps to what that task records (output_schema; see output_schema)."""
    props: dict[str, Any] = {}
    for _, task in items(workflow.get("tasks")):
        if isinstance(task.get("key"), str):
            props.setdefault(task["key"], output_schema(task))
    return {"type": "object", "properties": props, "additionalProperties": False}


def check_expressions(bundle: dict[str, Any], workflow: dict[str, Any], report: Report) -> None:
    """Every input_transform, output_transform and condition, with the names in scope at its place."""
    base: dict[str, JsonSchema | None] = {
        "ticket": ticket_schema(bundle, workflow.get("key")),
        "tasks": tasks_schema(workflow),
        "workflow": workflow_schema(workflow),
    }
    by_key: dict[str, dict[str, Any]] = {}
    for i, task in items(workflow.get("tasks")):
        if isinstance(task.get("key"), str):
            by_key.setdefault(task["key"], task)
        where = pointer("workflow", "tasks", i)
        expr = task.get("input_transform")
        if isinstance(expr, str):
            names = {**base, "item": None, "index": {"type": "integer"}} if task.get("for_each") is not None \
                else base
            _check(expr, names, "transform", where + "/input_transform", report)
        for attr, kind in (("for_each", "any"), ("input", "transform")):
            expr = task.get(attr)
            if isinstance(expr, str) and (attr != "input" or task.get("type") == "CALL"):
                _check(expr, base, kind, f"{where}/{attr}", report)
        expr = task.get("output_transform")
        if isinstance(expr, str) and task.get("type") in ("SYNC_ACTION", "ASYNC_ACTION"):
            names = {**base, "input": _schema(task.get("input_schema"))}
            if task["type"] == "SYNC_ACTION":
                names["response"] = RESPONSE_SCHEMA
            else:
                names["callback"] = None
            _check(expr, names, "transform", where + "/output_transform", report)
    for i, tr in items(workflow.get("transitions")):
        expr = tr.get("condition")
        if not isinstance(expr, str):
            continue
        src = tr.get("from")
        source = by_key.get(src) if isinstance(src, str) else None
        names = {
            **base,
            "input": _schema(source.get("input_schema")) if source else None,
            "output": output_schema(source) if source else None,
        }
        _check(expr, names, "condition", pointer("workflow", "transitions", i, "condition"), report)


def _check(expr: str, names: dict[str, JsonSchema | None], kind: str, where: str, report: Report) -> None:
    report.extend(p.at(where) for p in check_expression(expr, names, kind))  # type: ignore[arg-type]
