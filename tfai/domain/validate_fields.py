"""Workflow field checks: defaults of the declared type, tasks' `set` (known fields, fitting values), no unset reads."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from tfai.domain.bundle import matches_type
from tfai.domain.expressions import check_expression, summary_of
from tfai.domain.problems import Report, did_you_mean, pointer
from tfai.domain.validate_exprs import JsonSchema, tasks_schema, ticket_schema, workflow_schema
from tfai.domain.validate_graph import items

# The obvious result kind of a `set` expression (cel_static.shape) -> the field types it may fill;
# "unknown" fits anything, "value" is an addition (numbers, strings and lists add).
_FITS: dict[str, frozenset[str]] = {
    "bool": frozenset({"boolean"}),
    "map": frozenset({"object"}),
    "list": frozenset({"array"}),
    "number": frozenset({"number", "integer"}),
    "string": frozenset({"string"}),
    "null": frozenset(),
    "value": frozenset({"number", "integer", "string", "array"}),
}


def check_fields(bundle: dict[str, Any], workflow: dict[str, Any], report: Report) -> None:
    """Defaults, every task's `set`, and reads of workflow fields that cannot have a value yet."""
    declared: dict[str, str] = {}
    defaults: set[str] = set()
    for i, f in items(workflow.get("fields")):
        name, ftype = f.get("name"), f.get("type")
        if not isinstance(name, str) or not isinstance(ftype, str):
            continue
        declared.setdefault(name, ftype)
        default = f.get("default")
        if default is None:
            continue
        defaults.add(name)
        if not matches_type(ftype, default):
            report.error(pointer("workflow", "fields", i, "default"), "workflow.default_type",
                         f"The default of {name!r} must be a {ftype}")
    _check_sets(bundle, workflow, declared, report)
    _check_unset_reads(workflow, set(declared), defaults, report)


def _check_sets(bundle: dict[str, Any], workflow: dict[str, Any], declared: dict[str, str], report: Report) -> None:
    base: dict[str, JsonSchema | None] = {
        "ticket": ticket_schema(bundle, workflow.get("key")),
        "tasks": tasks_schema(workflow),
        "workflow": workflow_schema(workflow),
    }
    for i, task in items(workflow.get("tasks")):
        writes = task.get("set")
        if not isinstance(writes, dict):
            continue
        output = task.get("output_schema")
        names = {**base, "output": output if isinstance(output, dict) else None}
        for name, expr in writes.items():
            where = pointer("workflow", "tasks", i, "set", name)
            if name not in declared:
                report.error(where, "set.unknown_field",
                             f"The workflow declares no field {name!r}{did_you_mean(name, declared)}")
                continue
            if not isinstance(expr, str):
                continue
            report.extend(p.at(where) for p in check_expression(expr, names))
            summary = summary_of(expr)
            shape = summary.shape if summary is not None else "unknown"
            if declared[name] not in _FITS.get(shape, frozenset({declared[name]})):
                report.error(where, "set.type_mismatch",
                             f"workflow.{name} is a {declared[name]}, this expression yields a {shape}")


def _expressions(workflow: dict[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
    """(task key, pointer, expression, runs after the task's own `set`) for every expression of the workflow."""
    for i, task in items(workflow.get("tasks")):
        key = task.get("key")
        if not isinstance(key, str):
            continue
        for attr in ("input_transform", "output_transform"):
            if isinstance(task.get(attr), str):
                yield key, pointer("workflow", "tasks", i, attr), task[attr], False
        for name, expr in (task.get("set") or {}).items() if isinstance(task.get("set"), dict) else ():
            if isinstance(expr, str):
                yield key, pointer("workflow", "tasks", i, "set", name), expr, False
    for i, tr in items(workflow.get("transitions")):
        if isinstance(tr.get("from"), str) and isinstance(tr.get("condition"), str):
            yield tr["from"], pointer("workflow", "transitions", i, "condition"), tr["condition"], True


def _ancestors(workflow: dict[str, Any]) -> dict[str, set[str]]:
    """Task key -> the tasks that can complete before it (every task on some path from another to it)."""
    preds: dict[str, set[str]] = defaultdict(set)
    for _, tr in items(workflow.get("transitions")):
        if isinstance(tr.get("from"), str) and isinstance(tr.get("to"), str):
            preds[tr["to"]].add(tr["from"])
    out: dict[str, set[str]] = {}
    for _, task in items(workflow.get("tasks")):
        key = task.get("key")
        if not isinstance(key, str):
            continue
        seen: set[str] = set()
        stack = list(preds[key])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(preds[node])
        out[key] = seen
    return out


def _guarded(expr: str, name: str) -> bool:
    """A read inside has(workflow.<name>) is the way to test for a value, not a read of one."""
    return re.search(rf"\bhas\(\s*workflow\s*\.\s*{re.escape(name)}\b", expr) is not None


def _check_unset_reads(workflow: dict[str, Any], declared: set[str], defaults: set[str], report: Report) -> None:
    """A read of a field with no default that no task before this place sets fails on every ticket: an error.

    Only what holds on every path is reported; a field set on some paths and not others is the designer's choice
    (the ticket then holds with the reason at run time).
    """
    sets = {t["key"]: set(t["set"]) for _, t in items(workflow.get("tasks"))
            if isinstance(t.get("key"), str) and isinstance(t.get("set"), dict)}
    ancestors = _ancestors(workflow)
    for key, where, expr, after_own_set in _expressions(workflow):
        summary = summary_of(expr)
        if summary is None:
            continue
        available = set(defaults)
        for before in ancestors.get(key, set()):
            available |= sets.get(before, set())
        if after_own_set:
            available |= sets.get(key, set())
        for root, path in summary.reads:
            if root != "workflow" or not path or not isinstance(path[0], str):
                continue
            name = path[0]
            if name in declared and name not in available and not _guarded(expr, name):
                report.error(where, "workflow.field_unset",
                             f"workflow.{name} has no default and no task before {key!r} sets it: give the field a "
                             f"default, set it in an earlier task, or test it with has(workflow.{name})")
