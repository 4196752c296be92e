"""Pure workflow runtime decisions: scopes, task inputs and outputs, and which step comes next.

The engine works on the pydantic models of tfai.domain.bundle (Workflow, Task, Bundle): services
parse stored JSON into models at the boundary and hand them in. Functions that take a whole bundle
also accept a plain dict and parse it. Workflow data is {"ticket": {...}, "tasks": {key: output},
"workflow": {...}}. Nothing here does I/O; dry_run lives in tfai.domain.dry_run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tfai.domain.bundle import Task, Workflow
from tfai.domain.expressions import ExpressionError, evaluate_condition, evaluate_transform

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
    """What follows a completed task: another task, the end, or a hold (reason says why)."""

    kind: DecisionKind
    to: str | None = None
    reason: str | None = None
    transition: int | None = None
    evaluated: tuple[ConditionResult, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "to": self.to,
            "reason": self.reason,
            "transition": self.transition,
            "evaluated": [c.__dict__ for c in self.evaluated],
        }


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


def task_input(task: Task, workflow_data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The task's input: its input_transform result, or None when it has none (a FORM shows no input).

    Raises ExpressionError when the transform fails.
    """
    if task.input_transform is None:
        return None
    return evaluate_transform(task.input_transform, build_scope(workflow_data))


def task_output(
    task: Task,
    workflow_data: Mapping[str, Any],
    *,
    input: dict[str, Any] | None = None,  # noqa: A002 - the CEL name
    response: Mapping[str, Any] | None = None,
    callback: Any = None,
) -> Any:
    """An action task's output: output_transform over `response` (SYNC) or `callback` (ASYNC).

    Without a transform the output is the response body, or the callback body itself.
    Raises ExpressionError when the transform fails.
    """
    if task.type == "SYNC_ACTION":
        payload = dict(response or {})
        if task.output_transform is None:
            return payload.get("body")
        scope = build_scope(workflow_data, input=input or {}, response=payload)
        scope.setdefault("response", payload)
    else:
        if task.output_transform is None:
            return callback
        scope = build_scope(workflow_data, input=input or {}, callback=callback)
        scope.setdefault("callback", callback)
    return evaluate_transform(task.output_transform, scope)


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
    tasks = dict(workflow_data.get("tasks") or {})
    tasks[completed_task_key] = output
    data = {**workflow_data, "tasks": tasks}
    scope = build_scope(data, input=input, output=output)
    scope.setdefault("output", output)
    tried: list[ConditionResult] = []
    for index, tr in outs:
        if tr.condition is None:
            value = True
        else:
            try:
                value = evaluate_condition(tr.condition, scope)
            except ExpressionError as exc:
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
