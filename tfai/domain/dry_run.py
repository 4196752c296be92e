"""Dry runs: walk a workflow with given ticket data, form outputs and action responses, without I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from tfai.domain.bundle import Bundle, Workflow
from tfai.domain.engine import (
    Decision,
    callback_output,
    compute_input,
    initial_workflow_data,
    plan_completion,
    response_output,
)
from tfai.domain.errors import InvalidInput, NotFound
from tfai.domain.expressions import ExpressionError
from tfai.domain.schema_check import output_problem

Outcome = Literal["completed", "waiting", "hold", "error", "step_limit"]


@dataclass(frozen=True)
class DryRunStep:
    """One task visited: its computed input, the output used, and the decision that followed."""

    task: str
    input: dict[str, Any] | None
    output: Any = None
    decision: Decision | None = None


@dataclass(frozen=True)
class DryRunResult:
    """The path taken and where and why it stopped."""

    outcome: Outcome
    steps: tuple[DryRunStep, ...] = field(default_factory=tuple)
    stopped_at: str | None = None
    reason: str | None = None
    workflow_data: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> list[str]:
        return [s.task for s in self.steps]


def _workflow(bundle: Bundle | Mapping[str, Any], workflow_key: str) -> Workflow:
    if not isinstance(bundle, Bundle):
        try:
            bundle = Bundle.model_validate(bundle)
        except ValidationError as exc:
            raise InvalidInput("The bundle does not match the bundle format", details=exc.errors()) from exc
    if bundle.workflow is None or bundle.workflow.key != workflow_key:
        raise NotFound(f"No workflow {workflow_key!r} in this bundle")
    return bundle.workflow


def dry_run(
    bundle: Bundle | Mapping[str, Any],
    workflow_key: str,
    ticket: Mapping[str, Any],
    outputs: Mapping[str, Any],
    responses: Mapping[str, Any],
    *,
    workflow: Mapping[str, Any] | None = None,
    max_steps: int = 1000,
) -> DryRunResult:
    """Run `workflow_key` from its start on `ticket` without I/O.

    `outputs[key]` is a FORM task's submitted output (or overrides any task's output);
    `responses[key]` is a SYNC_ACTION's response {status, headers, body} or an ASYNC_ACTION's
    callback body. The run stops when the workflow ends, a task has no output to use (waiting),
    a condition holds, a transform or output check fails (error), or after `max_steps`.
    """
    wf = _workflow(bundle, workflow_key)
    # A real ticket's start (the fields' defaults); `workflow` lets a designer try other values on top.
    data = initial_workflow_data(wf, ticket)
    data["workflow"].update(workflow or {})
    steps: list[DryRunStep] = []
    current: str | None = wf.start

    def stop(outcome: Outcome, reason: str, at: str | None) -> DryRunResult:
        return DryRunResult(outcome, tuple(steps), at, reason, data)

    while current is not None:
        if len(steps) >= max_steps:
            return stop("step_limit", f"stopped after {max_steps} steps", current)
        task = wf.task(current)
        if task is None:
            return stop("error", f"no task {current!r}", current)
        try:
            inp = compute_input(task.input_transform, data)
        except ExpressionError as exc:
            steps.append(DryRunStep(current, None))
            return stop("error", f"input_transform failed: {exc.message}", current)
        if current in outputs:
            out = outputs[current]
        elif task.type != "FORM" and current in responses:
            reply = responses[current]
            try:
                if task.type == "SYNC_ACTION":
                    out = response_output(task.output_transform, data, input=inp, response=reply)
                else:
                    out = callback_output(task.output_transform, data, input=inp, callback=reply)
            except ExpressionError as exc:
                steps.append(DryRunStep(current, inp))
                return stop("error", f"output_transform failed: {exc.message}", current)
        else:
            steps.append(DryRunStep(current, inp))
            what = "form output" if task.type == "FORM" else "response" if task.type == "SYNC_ACTION" else "callback"
            return stop("waiting", f"waiting for the {what} of {current!r}", current)
        problem = output_problem(task.output_schema, out)
        if problem is not None:
            steps.append(DryRunStep(current, inp, out))
            return stop("error", problem, current)
        plan = plan_completion(wf, current, out, data, input=inp)
        data = plan.workflow_data
        steps.append(DryRunStep(current, inp, out, plan.decision))
        if plan.hold_reason is not None:
            return stop("hold", plan.hold_reason, current)
        current = plan.next_task
    return stop("completed", "the workflow ended", None)
