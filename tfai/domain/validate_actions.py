"""Task rules: action URLs (the network policy of domain/network.py), timeouts, and FORM output schemas."""

from __future__ import annotations

from typing import Any

from tfai.domain.limits import ASYNC_TIMEOUT_MAX, SYNC_TIMEOUT_MAX
from tfai.domain.network import check_action_url
from tfai.domain.problems import Report, pointer


def check_task_rules(workflow: dict[str, Any], report: Report, *, allow_private_networks: bool) -> None:
    """Per-task rules that depend on its type."""
    tasks = workflow.get("tasks")
    if not isinstance(tasks, list):
        return
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        kind = task.get("type")
        where = pointer("workflow", "tasks", i)
        if kind in ("SYNC_ACTION", "ASYNC_ACTION"):
            _check_action(task, kind, where, report, allow_private_networks)
        elif kind == "FORM":
            _check_form(task, where, report)


def _check_action(task: dict[str, Any], kind: str, where: str, report: Report, allow_private: bool) -> None:
    url = task.get("action_url")
    if url is None:
        report.error(where, "action.url_missing", f"A {kind} task needs an action_url")
    elif isinstance(url, str):
        found = check_action_url(url, allow_private=allow_private)
        if found:
            report.error(where + "/action_url", *found)
    timeout = task.get("timeout_seconds")
    upper = SYNC_TIMEOUT_MAX if kind == "SYNC_ACTION" else ASYNC_TIMEOUT_MAX
    if isinstance(timeout, int) and not isinstance(timeout, bool) and not 1 <= timeout <= upper:
        limit = f"{upper} seconds" if upper < 86400 else f"{upper // 86400} days ({upper} seconds)"
        report.error(
            where + "/timeout_seconds",
            "action.timeout_range",
            f"A {kind} timeout must be 1 second to {limit}",
        )
    for attr in ("edit_layout",):
        if task.get(attr) is not None:
            report.warning(where + "/" + attr, "action.layout_unused", f"{attr} is only used by FORM tasks")


def _check_form(task: dict[str, Any], where: str, report: Report) -> None:
    for attr in ("action_url", "timeout_seconds", "output_transform"):
        if task.get(attr) is not None:
            report.error(where + "/" + attr, "form.unexpected", f"A FORM task has no {attr}")
    schema = task.get("output_schema")
    if schema is None:
        report.error(where, "form.output_schema_missing", "A FORM task needs an output_schema (what the form asks)")
    elif isinstance(schema, dict):
        props = schema.get("properties")
        if not isinstance(props, dict) or not props:
            report.error(where + "/output_schema", "form.no_fields", "A FORM output_schema needs at least one property")
