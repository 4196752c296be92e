"""The bundle validator: every rule, every problem with its JSON pointer; it never raises."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from tfai.domain.limits import (
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENT_DEPTH,
    MAX_NODES,
    MAX_TASKS,
    MAX_TICKET_TYPES,
    MAX_TRANSITIONS,
)
from tfai.domain.problems import Problem, Report, did_you_mean, join_pointer, pointer
from tfai.domain.validate_actions import check_task_rules
from tfai.domain.validate_exprs import check_expressions
from tfai.domain.validate_fields import check_fields
from tfai.domain.validate_flow import check_flow
from tfai.domain.validate_graph import check_graph, check_keys, items
from tfai.domain.validate_layouts import check_layouts
from tfai.domain.validate_structure import embedded_schema_problems, structure_problems
from tfai.domain.validate_timers import check_timers


@dataclass(frozen=True)
class ExistingDefinitions:
    """What the company already has: saved workflows (key -> field names), ticket type keys, role names, and the
    workflows each saved workflow's CALL tasks name (key -> keys)."""

    workflows: Mapping[str, Collection[str]] = field(default_factory=dict)
    ticket_type_keys: Collection[str] = frozenset()
    role_names: Collection[str] = frozenset()
    calls: Mapping[str, Collection[str]] = field(default_factory=dict)


def validate(
    bundle: Any, existing: ExistingDefinitions | None = None, *, allow_private_networks: bool = False
) -> Report:
    """Check a parsed bundle against every rule; errors make it invalid, warnings do not."""
    report = Report()
    try:
        _validate(bundle, existing, allow_private_networks, report)
    except Exception as exc:  # a validator bug must not become a crash of the caller
        report.error("", "validator.internal", f"The validator failed unexpectedly ({type(exc).__name__})")
    return report


def _document_problem(document: Any, *, locate: bool = False) -> Problem | None:
    """Plain JSON only (string keys, finite numbers), bounded nesting, node count and size.

    The first pass runs without building pointers; a second pass with `locate` finds where.
    """
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    nodes = size = 0
    while stack:
        node, where, depth = stack.pop()
        nodes += 1
        if depth > MAX_DOCUMENT_DEPTH:
            return Problem(where, "limit.nesting", f"The document nests deeper than {MAX_DOCUMENT_DEPTH} levels")
        if nodes > MAX_NODES or size > MAX_DOCUMENT_BYTES:
            return Problem("", "limit.document_size", f"The document is larger than {MAX_DOCUMENT_BYTES} bytes")
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    return Problem(where, "document.not_json", f"Object keys must be strings, not {key!r:.50}")
                size += len(key) + 4
                stack.append((value, join_pointer(where, key) if locate else where, depth + 1))
        elif isinstance(node, list):
            if locate:
                stack.extend((v, join_pointer(where, i), depth + 1) for i, v in enumerate(node))
            else:
                stack.extend((v, where, depth + 1) for v in node)
        elif isinstance(node, str):
            size += len(node) + 2
        elif isinstance(node, float) and not math.isfinite(node):
            return Problem(where, "document.not_json", "Numbers must be finite")
        elif node is not None and not isinstance(node, bool | int | float):
            return Problem(where, "document.not_json", f"{type(node).__name__} is not a JSON value")
    return None


def _plain_and_small(document: Any) -> bool:
    """A fast conservative pass: True only when _document_problem would find nothing (no pointers built, leaves
    checked in place); False sends the document through the exact pass."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    nodes = size = 0
    scalars = (str, int, float, bool, type(None))
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_DOCUMENT_DEPTH:
            return False
        values = node.values() if type(node) is dict else node
        if type(node) is dict:
            for key in node:
                if type(key) is not str:
                    return False
                size += len(key) + 4
        nodes += len(node)
        for value in values:
            kind = type(value)
            if kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif kind is str:
                size += len(value) + 2
            elif kind is float:
                if not math.isfinite(value):
                    return False
            elif kind not in scalars:
                return False
    return nodes < MAX_NODES and size <= MAX_DOCUMENT_BYTES


def _validate(bundle: Any, existing: ExistingDefinitions | None, allow_private: bool, report: Report) -> None:
    plain = type(bundle) in (dict, list) and _plain_and_small(bundle)
    problem = None if plain else _document_problem(bundle)
    if problem is not None and problem.code != "limit.document_size":
        problem = _document_problem(bundle, locate=True)
    if problem is None and len(json.dumps(bundle, ensure_ascii=False).encode("utf-8")) > MAX_DOCUMENT_BYTES:
        problem = Problem("", "limit.document_size", f"The document is larger than {MAX_DOCUMENT_BYTES} bytes")
    if problem is not None:
        report.errors.append(problem)
        return
    report.extend(structure_problems(bundle))
    if not isinstance(bundle, dict):
        return
    workflow = bundle.get("workflow")
    workflow = workflow if isinstance(workflow, dict) else None
    if workflow is None and not bundle.get("ticket_types"):
        report.error("", "bundle.empty", "The bundle has neither a workflow nor ticket types")
    if not _within_limits(bundle, workflow, report):
        return
    _check_embedded_schemas(bundle, report)
    check_keys(bundle, report)
    if workflow is not None:
        check_graph(workflow, report)
        check_task_rules(workflow, report, allow_private_networks=allow_private)
        check_expressions(bundle, workflow, report)
        check_timers(bundle, workflow, report)
        check_flow(workflow, report, existing_workflows=None if existing is None else existing.workflows,
                   existing_calls=None if existing is None else existing.calls)
        check_fields(bundle, workflow, report)
    _check_ticket_types(bundle, workflow, existing, report)
    check_layouts(bundle, report)


def _within_limits(bundle: dict[str, Any], workflow: dict[str, Any] | None, report: Report) -> bool:
    ok = True
    counted: list[tuple[tuple[str, ...], Any, int, str]] = [
        (("ticket_types",), bundle.get("ticket_types"), MAX_TICKET_TYPES, "ticket types")]
    if workflow is not None:
        counted += [(("workflow", attr), workflow.get(attr), limit, attr)
                    for attr, limit in (("tasks", MAX_TASKS), ("transitions", MAX_TRANSITIONS))]
    for where, value, limit, what in counted:
        if isinstance(value, list) and len(value) > limit:
            report.error(pointer(*where), f"limit.{where[-1]}", f"At most {limit} {what} ({len(value)} given)")
            ok = False
    return ok


def _check_embedded_schemas(bundle: dict[str, Any], report: Report) -> None:
    for i, tt in items(bundle.get("ticket_types")):
        if isinstance(tt.get("fields"), dict):
            report.extend(embedded_schema_problems(tt["fields"], pointer("ticket_types", i, "fields")))
    workflow = bundle.get("workflow")
    if not isinstance(workflow, dict):
        return
    for i, task in items(workflow.get("tasks")):
        for attr in ("input_schema", "output_schema"):
            if isinstance(task.get(attr), dict):
                report.extend(embedded_schema_problems(task[attr], pointer("workflow", "tasks", i, attr)))


def _check_ticket_types(
    bundle: dict[str, Any],
    workflow: dict[str, Any] | None,
    existing: ExistingDefinitions | None,
    report: Report,
) -> None:
    own = workflow.get("key") if workflow is not None else None
    saved = set(existing.workflows) if existing is not None else set()
    for i, tt in items(bundle.get("ticket_types")):
        ref = tt.get("workflow")
        if isinstance(ref, str) and ref != own and ref not in saved:
            where = pointer("ticket_types", i, "workflow")
            hint = did_you_mean(ref, [k for k in (own, *saved) if isinstance(k, str)])
            if existing is None:
                report.warning(
                    where, "ticket_type.workflow_not_in_bundle", f"Workflow {ref!r} must already exist{hint}"
                )
            else:
                report.error(where, "ticket_type.unknown_workflow", f"No workflow {ref!r}{hint}")
        roles = tt.get("company_role_access")
        if existing is None or not isinstance(roles, list):
            continue
        for j, role in enumerate(roles):
            if isinstance(role, str) and role not in existing.role_names:
                report.warning(
                    pointer("ticket_types", i, "company_role_access", j),
                    "ticket_type.unknown_role",
                    f"The company has no role {role!r}{did_you_mean(role, existing.role_names)}",
                )
