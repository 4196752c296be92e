"""Timer rules with pointers: TIMER `wait`/`until`, `timeout` and `remind` (FORM, ASYNC_ACTION), `due` (FORM)."""

from __future__ import annotations

from typing import Any

from tfai.domain.durations import duration_problem
from tfai.domain.expressions import check_expression, summary_of
from tfai.domain.limits import MAX_REMINDERS
from tfai.domain.problems import Report, did_you_mean, pointer
from tfai.domain.validate_exprs import tasks_schema, ticket_schema, workflow_schema
from tfai.domain.validate_graph import items

BOUNDARY_TYPES = ("FORM", "ASYNC_ACTION")  # tasks that wait for someone: they may time out and remind
# What `until` may obviously yield: a timestamp (unknown to the static check), a string to parse, or a sum.
_UNTIL_SHAPES = ("unknown", "string", "value")


def check_timers(bundle: dict[str, Any], workflow: dict[str, Any], report: Report) -> None:
    """Every timer construct of the workflow's tasks, read from the raw task objects."""
    keys = [t["key"] for _, t in items(workflow.get("tasks")) if isinstance(t.get("key"), str)]
    names: dict[str, dict[str, Any] | None] = {
        "ticket": ticket_schema(bundle, workflow.get("key")),
        "tasks": tasks_schema(workflow),
        "workflow": workflow_schema(workflow),
    }
    for i, task in items(workflow.get("tasks")):
        where = pointer("workflow", "tasks", i)
        kind = task.get("type")
        if kind == "TIMER":
            _check_timer_task(task, where, names, report)
        else:
            for attr in ("wait", "until"):
                if attr in task:
                    report.error(f"{where}/{attr}", "timer.not_a_timer", f"Only TIMER tasks have `{attr}`")
        for attr in ("timeout", "remind"):
            if attr in task and kind not in BOUNDARY_TYPES:
                report.error(f"{where}/{attr}", f"{attr}.not_allowed",
                             f"`{attr}` is only for FORM and ASYNC_ACTION tasks, not {kind}")
        if "due" in task and kind != "FORM":
            report.error(f"{where}/due", "due.not_allowed", f"`due` is only for FORM tasks, not {kind}")
        if "timeout" in task:
            _check_timeout(task["timeout"], f"{where}/timeout", keys, report)
        if "remind" in task:
            _check_remind(task["remind"], f"{where}/remind", report)
        if "due" in task:
            _duration(task["due"], f"{where}/due", report)


def _duration(value: Any, where: str, report: Report) -> None:
    problem = duration_problem(value)
    if problem is not None:
        report.error(where, "timer.duration", problem)


def _check_timer_task(task: dict[str, Any], where: str, names: dict[str, dict[str, Any] | None],
                      report: Report) -> None:
    has_wait, has_until = "wait" in task, "until" in task
    if has_wait == has_until:
        report.error(where, "timer.wait_or_until",
                     "A TIMER task needs exactly one of `wait` (a duration such as PT48H) and `until` (a timestamp)"
                     + (", not both" if has_wait else ""))
    if has_wait:
        _duration(task["wait"], f"{where}/wait", report)
    if has_until:
        expr = task["until"]
        if not isinstance(expr, str):
            report.error(f"{where}/until", "timer.until_not_expression",
                         "`until` is a CEL expression giving a timestamp, e.g. timestamp(ticket.start_date)")
            return
        scope = {**names, "input": task.get("input_schema") if isinstance(task.get("input_schema"), dict) else None}
        problems = check_expression(expr, scope, "any")
        report.extend(p.at(f"{where}/until") for p in problems)
        if not problems:
            summary = summary_of(expr)
            shape = summary.shape if summary is not None else "unknown"
            if shape not in _UNTIL_SHAPES:
                report.error(f"{where}/until", "timer.until_not_timestamp",
                             f"`until` must give a timestamp, this gives a {shape}")


def _check_timeout(timeout: Any, where: str, keys: list[str], report: Report) -> None:
    if not isinstance(timeout, dict):
        report.error(where, "timeout.shape", 'A timeout is {"after": "<duration>", "to": "<task key>"}')
        return
    if "after" not in timeout:
        report.error(where, "timeout.after_missing", "A timeout needs `after` (a duration such as PT48H)")
    else:
        _duration(timeout["after"], f"{where}/after", report)
    target = timeout.get("to")
    if target is None:
        report.error(where, "timeout.to_missing", "A timeout needs `to`: the task the workflow continues at")
    elif not isinstance(target, str) or target not in keys:
        report.error(f"{where}/to", "timeout.unknown_target",
                     f"No task {target!r}{did_you_mean(str(target), keys)}")


def _check_remind(remind: Any, where: str, report: Report) -> None:
    if not isinstance(remind, dict):
        report.error(where, "remind.shape", 'A reminder is {"every": "<duration>", "times": <n>}')
        return
    if "every" not in remind:
        report.error(where, "remind.every_missing", "A reminder needs `every` (a duration such as P1D)")
    else:
        _duration(remind["every"], f"{where}/every", report)
    times = remind.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= MAX_REMINDERS:
        report.error(f"{where}/times", "remind.times_range", f"`times` is a whole number from 1 to {MAX_REMINDERS}")
