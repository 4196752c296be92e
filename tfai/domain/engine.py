"""Pure workflow runtime decisions: scopes, task inputs and outputs, and which step comes next.

The engine works on the pydantic models of tfai.domain.bundle (Workflow, Task, Bundle): services
parse stored JSON into models at the boundary and hand them in. Functions that take a whole bundle
also accept a plain dict and parse it. Workflow data is {"ticket": {...}, "tasks": {key: output},
"workflow": {...}}. Nothing here does I/O; dry_run lives in tfai.domain.dry_run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tfai.domain import flow
from tfai.domain.bundle import Task, Workflow, matches_type
from tfai.domain.expressions import ExpressionError, Scope, evaluate_transform
from tfai.domain.lifecycle import WorkflowEvent

DecisionKind = Literal["task", "end", "hold"]


@dataclass(frozen=True)
class ConditionResult:
    """One transition tried: its index in the document, target, condition and what it evaluated to."""

    index: int
    to: str | None
    condition: str | None
    value: bool | None
    error: str | None = None


@dataclass(frozen=True)
class Decision:
    """What follows a completed task: another task, the end, or a hold (reason says why).

    A split (`"next": "all"`) lists every branch it starts in `branches` (`to` is the first of them); a branch
    whose transition goes to null ends at once and is not listed.
    """

    kind: DecisionKind
    to: str | None = None
    reason: str | None = None
    transition: int | None = None
    evaluated: tuple[ConditionResult, ...] = field(default_factory=tuple)
    branches: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "to": self.to,
            "reason": self.reason,
            "transition": self.transition,
            "evaluated": [c.__dict__ for c in self.evaluated],
        }
        if self.branches:
            out["branches"] = list(self.branches)
        return out

    @property
    def targets(self) -> tuple[str, ...]:
        """The tasks that follow: every branch of a split, or the one next task."""
        if self.branches:
            return self.branches
        return (self.to,) if self.kind == "task" and self.to is not None else ()


def build_scope(
    workflow_data: Mapping[str, Any],
    *,
    input: Any = None,  # noqa: A002 - the CEL name
    output: Any = None,
    response: Any = None,
    callback: Any = None,
) -> dict[str, Any]:
    """The CEL names for one evaluation: ticket, tasks, workflow, plus whichever extras are given."""
    scope: dict[str, Any] = {
        "ticket": workflow_data.get("ticket") or {},
        "tasks": workflow_data.get("tasks") or {},
        "workflow": workflow_data.get("workflow") or {},
    }
    for name, value in (("input", input), ("output", output), ("response", response), ("callback", callback)):
        if value is not None:
            scope[name] = value
    return scope


def initial_workflow_data(workflow: Workflow, ticket: Mapping[str, Any]) -> dict[str, Any]:
    """The data a workflow starts with: the ticket, no task outputs, and each workflow field's `default` (fields
    without one are absent). A real ticket and the dry run both start here."""
    defaults = {f.name: f.default for f in workflow.fields if f.default is not None}
    return {"ticket": dict(ticket), "tasks": {}, "workflow": defaults}


_WORKFLOW_READ = re.compile(r"\bworkflow\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")


def explain_absent(exc: ExpressionError, workflow_data: Mapping[str, Any]) -> ExpressionError:
    """`exc` with the workflow fields its expression read that have no value yet named in its message: the usual
    cause of "no such member" once workflow fields are in play."""
    present = workflow_data.get("workflow") or {}
    absent = sorted({m for m in _WORKFLOW_READ.findall(exc.expression or "") if m not in present})
    if absent:
        names = ", ".join(f"workflow.{name}" for name in absent)
        exc.message = f"{exc.message} ({names} has no value yet: no default, and no completed task set it)"
    return exc


def compute_input(input_transform: str | None, workflow_data: Mapping[str, Any], *,
                  extra: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """A task's input: its input_transform over the workflow data, or None without one (a FORM shows no input).

    `extra`: more CEL names (a for_each instance's `item` and `index`). The runtime (creating or retrying a task)
    and the dry run both call this. Raises ExpressionError.
    """
    if not input_transform:
        return None
    try:
        return evaluate_transform(input_transform, {**build_scope(workflow_data), **(extra or {})})
    except ExpressionError as exc:
        raise explain_absent(exc, workflow_data) from None


def response_output(
    output_transform: str | None,
    workflow_data: Mapping[str, Any],
    *,
    input: Mapping[str, Any] | None,  # noqa: A002 - the CEL name
    response: Mapping[str, Any],
) -> Any:
    """A SYNC_ACTION's output: output_transform over `response` = {status, headers, body}; without one, the body.

    The action worker and the dry run both call this. Raises ExpressionError.
    """
    payload = dict(response)
    if not output_transform:
        return payload.get("body")
    scope = build_scope(workflow_data, input=dict(input or {}), response=payload)
    scope.setdefault("response", payload)
    return evaluate_transform(output_transform, scope)


def callback_output(
    output_transform: str | None,
    workflow_data: Mapping[str, Any],
    *,
    input: Mapping[str, Any] | None,  # noqa: A002 - the CEL name
    callback: Any,
) -> Any:
    """An ASYNC_ACTION's output: output_transform over the callback body; without one, the body itself.

    The callback endpoint and the dry run both call this. Raises ExpressionError.
    """
    if not output_transform:
        return callback
    scope = build_scope(workflow_data, input=dict(input or {}), callback=callback)
    scope.setdefault("callback", callback)
    return evaluate_transform(output_transform, scope)


def record_output(workflow_data: Mapping[str, Any], task_key: str, output: Any) -> dict[str, Any]:
    """The workflow data once a task completed: its output under tasks[key] (runtime, dry run, conditions)."""
    return {**workflow_data, "tasks": {**(workflow_data.get("tasks") or {}), task_key: output}}


def ordered_transitions(workflow: Workflow, task_key: str) -> list[tuple[int, Any]]:
    """Outgoing transitions of a task: priority descending, then document order."""
    outs = [(i, tr) for i, tr in enumerate(workflow.transitions) if tr.from_ == task_key]
    return sorted(outs, key=lambda pair: -pair[1].priority)


def next_step(
    workflow: Workflow,
    completed_task_key: str,
    output: Any,
    workflow_data: Mapping[str, Any],
    *,
    input: dict[str, Any] | None = None,  # noqa: A002 - the CEL name
) -> Decision:
    """Decide what follows `completed_task_key` finishing with `output`.

    The first transition (priority desc, then document order) whose condition is true fires; no
    condition counts as true. No outgoing transitions, or a firing `"to": null`, ends the workflow.
    When no condition is true, or a condition fails to evaluate, the workflow holds.
    """
    outs = ordered_transitions(workflow, completed_task_key)
    if not outs:
        return Decision("end", reason=f"task {completed_task_key!r} has no outgoing transitions")
    task = workflow.task(completed_task_key)
    if task is not None and task.next == "all":
        return _split(completed_task_key, outs, output, workflow_data, input=input)
    scope = build_scope(record_output(workflow_data, completed_task_key, output), input=input, output=output)
    scope.setdefault("output", output)
    batch = Scope(scope)  # the conditions share one converted scope
    tried: list[ConditionResult] = []
    for index, tr in outs:
        if tr.condition is None:
            value = True
        else:
            try:
                value = batch.condition(tr.condition)
            except ExpressionError as exc:
                explain_absent(exc, scope)
                tried.append(ConditionResult(index, tr.to, tr.condition, None, exc.message))
                return Decision(
                    "hold",
                    reason=f"condition of transition {index} failed: {exc.message}",
                    transition=index,
                    evaluated=tuple(tried),
                )
        tried.append(ConditionResult(index, tr.to, tr.condition, value))
        if value:
            kind: DecisionKind = "end" if tr.to is None else "task"
            return Decision(kind, to=tr.to, transition=index, evaluated=tuple(tried))
    return Decision("hold", reason=f"no condition out of {completed_task_key!r} is true", evaluated=tuple(tried))


def _split(completed_task_key: str, outs: list[tuple[int, Any]], output: Any, workflow_data: Mapping[str, Any], *,
           input: dict[str, Any] | None) -> Decision:  # noqa: A002 - the CEL name
    """`"next": "all"`: every true transition starts a branch; all true ones to null: the end; none true: hold."""
    scope = build_scope(record_output(workflow_data, completed_task_key, output), input=input, output=output)
    scope.setdefault("output", output)
    fired = flow.fire_all(outs, scope)
    tried = tuple(ConditionResult(f.index, f.to, f.condition, f.value, f.error) for f in fired)
    failed = next((f for f in fired if f.error is not None), None)
    if failed is not None:
        message = explain_absent(ExpressionError(failed.error or "", reason="eval", expression=failed.condition or ""),
                                 scope).message
        return Decision("hold", reason=f"condition of transition {failed.index} failed: {message}",
                        transition=failed.index, evaluated=tried)
    true = [f for f in fired if f.value]
    if not true:
        return Decision("hold", reason=f"no condition out of {completed_task_key!r} is true", evaluated=tried)
    branches = tuple(f.to for f in true if f.to is not None)
    if not branches:
        return Decision("end", transition=true[0].index, evaluated=tried)
    first = next(f for f in true if f.to is not None)
    return Decision("task", to=first.to, transition=first.index, evaluated=tried, branches=branches)


def for_each_items(expression: str, workflow_data: Mapping[str, Any]) -> list[Any]:
    """The items of a `for_each` FORM task over the workflow data (runtime and dry run). Raises ExpressionError."""
    try:
        return flow.items_of(expression, build_scope(workflow_data))
    except ExpressionError as exc:
        raise explain_absent(exc, workflow_data) from None


def call_ticket(expression: str | None, workflow_data: Mapping[str, Any]) -> dict[str, Any]:
    """A CALL task's child ticket data: its `input` map over the workflow data. Raises ExpressionError."""
    try:
        return flow.call_ticket(expression, build_scope(workflow_data))
    except ExpressionError as exc:
        raise explain_absent(exc, workflow_data) from None


def apply_set(workflow: Workflow, task: Task, output: Any, workflow_data: Mapping[str, Any]) -> dict[str, Any]:
    """The workflow data once `task`'s `set` ran: every expression sees the same scope (ticket, tasks with this
    task's output, workflow as it was, output) and each value must be of its field's declared type.

    Raises ExpressionError (reason `type` for a value of the wrong type, `unknown_field` for an undeclared field:
    the validator refuses both at save, this guards data saved before).
    """
    if not task.set:
        return dict(workflow_data)
    scope = build_scope(workflow_data, output=output)
    scope.setdefault("output", output)
    batch = Scope(scope)  # the expressions share one converted scope
    declared = {f.name: f.type for f in workflow.fields}
    values: dict[str, Any] = {}
    for name, expr in task.set.items():
        if name not in declared:
            raise ExpressionError(f"workflow.{name} is not a declared field", reason="unknown_field", expression=expr)
        try:
            value = batch.evaluate(expr)
        except ExpressionError as exc:
            raise explain_absent(exc, scope) from None
        if not matches_type(declared[name], value):
            got = "null" if value is None else type(value).__name__
            raise ExpressionError(f"workflow.{name} must be a {declared[name]}, the expression gave a {got}",
                                  reason="type", expression=expr)
        values[name] = value
    return {**workflow_data, "workflow": {**(workflow_data.get("workflow") or {}), **values}}


@dataclass(frozen=True)
class Completion:
    """What completing a task does to its workflow, decided before anything is written.

    `workflow_event` is COMPLETE at an end, AUTO_HOLD on a hold (with `hold_reason`), None when `next_task`
    follows; `workflow_data` is the data with the task's output recorded. `next_tasks`: every task that follows
    (the branches of a split; `next_task` is the first). An end with other branches still running ends only
    this branch: the runtime knows whether any is left.
    """

    decision: Decision
    workflow_data: dict[str, Any]
    next_task: str | None = None
    workflow_event: WorkflowEvent | None = None
    hold_reason: str | None = None
    next_tasks: tuple[str, ...] = ()


def plan_completion(
    workflow: Workflow,
    task_key: str,
    output: Any,
    workflow_data: Mapping[str, Any],
    *,
    input: dict[str, Any] | None = None,  # noqa: A002 - the CEL name
    run_set: bool = True,
) -> Completion:
    """Decide the effects of `task_key` completing with `output` (the runtime and the dry run apply them).

    The task's `set` runs first, so the transitions see the workflow fields it wrote; a failing `set` holds.
    `run_set=False` tries the transitions again on data where the completion was already recorded (Resume).
    """
    data = record_output(workflow_data, task_key, output)
    task = workflow.task(task_key)
    if run_set and task is not None and task.set:
        try:
            data = apply_set(workflow, task, output, data)
        except ExpressionError as exc:
            reason = f"Setting the workflow fields of {task_key!r} failed: {exc.message}"
            return Completion(Decision("hold", reason=reason), data, workflow_event=WorkflowEvent.AUTO_HOLD,
                              hold_reason=reason)
    decision = next_step(workflow, task_key, output, data, input=input)
    if decision.kind == "end":
        return Completion(decision, data, workflow_event=WorkflowEvent.COMPLETE)
    if decision.kind == "task" and decision.to is not None:
        missing = next((key for key in decision.targets if workflow.task(key) is None), None)
        if missing is not None:
            reason = f"The next task {missing!r} does not exist in this workflow version"
            return Completion(decision, data, workflow_event=WorkflowEvent.AUTO_HOLD, hold_reason=reason)
        return Completion(decision, data, next_task=decision.to, next_tasks=decision.targets)
    return Completion(decision, data, workflow_event=WorkflowEvent.AUTO_HOLD,
                      hold_reason=decision.reason or "No transition applies")


def timer_until(expression: str, workflow_data: Mapping[str, Any], *, input: Any = None) -> datetime:  # noqa: A002
    """When a TIMER with `until` fires, over the workflow data and its input (runtime and dry run). Raises
    ExpressionError."""
    try:
        return flow.timestamp_of(expression, build_scope(workflow_data, input=input))
    except ExpressionError as exc:
        raise explain_absent(exc, workflow_data) from None
