"""Dry runs: walk a workflow with given ticket data, form outputs and action responses, without I/O.

Parallel branches run one step at a time in the order they started (first in, first out); a JOIN completes when
domain/flow says so, exactly as at run time. What has no output to use waits while the other branches go on.

Time: a waiting task arms its timers as at run time (a TIMER's `wait`/`until`, `timeout`, `remind`, `due`), from the
dry run's clock (it starts at `now`). `clock` steps (ISO 8601 durations) move that clock on once the run has gone
as far as it can; each timer due meanwhile fires in due order at its own time: a TIMER completes with
{"fired_at": ...}, a timeout cancels its task and goes on at `to`, reminders and due dates are only reported. Every
firing is listed in `timers_fired` ({task, kind, at}).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from tfai.domain import flow
from tfai.domain.bundle import Bundle, Task, Workflow
from tfai.domain.durations import DurationError, parse_duration
from tfai.domain.engine import (
    Completion,
    Decision,
    callback_output,
    compute_input,
    for_each_items,
    initial_workflow_data,
    plan_completion,
    response_output,
    timer_until,
)
from tfai.domain.errors import InvalidInput, NotFound
from tfai.domain.expressions import ExpressionError
from tfai.domain.schema_check import output_problem

Outcome = Literal["completed", "waiting", "hold", "error", "step_limit"]


@dataclass(frozen=True)
class DryRunStep:
    """One task visited: its computed input, the output used, and the decision that followed (a for_each task's
    input is {"for_each": [each instance's input]})."""

    task: str
    input: dict[str, Any] | None
    output: Any = None
    decision: Decision | None = None


@dataclass(frozen=True)
class DryRunResult:
    """The path taken and where and why it stopped; `waiting`: every task left waiting for an output."""

    outcome: Outcome
    steps: tuple[DryRunStep, ...] = field(default_factory=tuple)
    stopped_at: str | None = None
    reason: str | None = None
    workflow_data: dict[str, Any] = field(default_factory=dict)
    waiting: tuple[str, ...] = field(default_factory=tuple)
    timers_fired: tuple[dict[str, Any], ...] = field(default_factory=tuple)

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


class _Stop(Exception):  # noqa: N818 - control flow inside dry_run
    def __init__(self, outcome: Outcome, reason: str, at: str | None) -> None:
        super().__init__(reason)
        self.outcome, self.reason, self.at = outcome, reason, at


@dataclass(order=True)
class _Timer:
    """A timer armed by a waiting task in the dry run (fires in due order, then in the order armed)."""

    due: datetime
    seq: int
    kind: str = field(compare=False)
    key: str = field(compare=False)
    payload: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass
class _Run:
    """The state of one dry run: the data, the steps so far, branches to run, waiting ones and pending JOINs."""

    wf: Workflow
    data: dict[str, Any]
    outputs: Mapping[str, Any]
    responses: Mapping[str, Any]
    max_steps: int
    steps: list[DryRunStep] = field(default_factory=list)
    queue: deque[str] = field(default_factory=deque)
    waiting: list[tuple[str, str]] = field(default_factory=list)
    joins: dict[str, list[str]] = field(default_factory=dict)
    joined: set[str] = field(default_factory=set)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    timers: list[_Timer] = field(default_factory=list)
    fired: list[dict[str, Any]] = field(default_factory=list)
    armed: int = 0

    def run(self) -> None:
        """Visit queued tasks until none is left, then complete the JOINs that can."""
        while self.queue:
            self.visit(self.queue.popleft())
        self.settle()

    def arm(self, task: Task, inp: dict[str, Any] | None, *, times_out: bool = True) -> None:
        """A task starts waiting: its timers, as create_task schedules them at run time."""
        def add(kind: str, due: datetime, **payload: Any) -> None:
            self.armed += 1
            self.timers.append(_Timer(due, self.armed, kind, task.key, payload))

        if task.type == "TIMER":
            try:
                due = timer_until(task.until, self.data, input=inp) if task.until \
                    else self.now + parse_duration(task.wait)
            except (ExpressionError, DurationError) as exc:
                raise _Stop("error", f"the timer's time cannot be computed: {getattr(exc, 'message', exc)}",
                            task.key) from None
            add("task_timer", due, input=inp)
            return
        if task.timeout is not None and times_out:
            add("timeout", self.now + parse_duration(task.timeout.after), after=task.timeout.after,
                to=task.timeout.to)
        if task.remind is not None:
            add("remind", self.now + parse_duration(task.remind.every), every=task.remind.every,
                times=task.remind.times, sent=0)
        if task.due is not None and task.type == "FORM":
            add("due", self.now + parse_duration(task.due))

    def tick(self, step: timedelta) -> None:
        """Move the clock on by `step`: each timer due by then fires at its own time, and the run goes on."""
        until = self.now + step
        while True:
            live = {k for k, _ in self.waiting}
            self.timers = [t for t in self.timers if t.key in live]
            due = sorted(t for t in self.timers if t.due <= until)
            if not due:
                break
            timer = due[0]
            self.timers.remove(timer)
            self.now = max(self.now, timer.due)
            self._fire(timer)
            self.run()
        self.now = until

    def _fire(self, timer: _Timer) -> None:
        at = self.now.isoformat()
        self.fired.append({"task": timer.key, "kind": timer.kind, "at": at})
        if timer.kind == "remind":
            sent = int(timer.payload.get("sent", 0)) + 1
            if sent < int(timer.payload.get("times", 1)):
                self.timers.append(_Timer(timer.due + parse_duration(timer.payload["every"]), timer.seq,
                                          "remind", timer.key, {**timer.payload, "sent": sent}))
            return
        if timer.kind not in ("task_timer", "timeout"):
            return
        self.waiting = [(k, r) for k, r in self.waiting if k != timer.key]
        self.timers = [t for t in self.timers if t.key != timer.key]
        if timer.kind == "task_timer":
            self.complete(timer.key, timer.payload.get("input"), {"fired_at": at})
        else:
            self.queue.append(str(timer.payload["to"]))

    def live(self) -> list[str]:
        return [*self.queue, *(k for k, _ in self.waiting), *self.joins]

    def visit(self, key: str) -> None:
        """Run one task: compute its input and output, then follow the completion."""
        if len(self.steps) >= self.max_steps:
            raise _Stop("step_limit", f"stopped after {self.max_steps} steps", key)
        task = self.wf.task(key)
        if task is None:
            raise _Stop("error", f"no task {key!r}", key)
        if task.type == "JOIN":  # a start at a JOIN: an arrival of no branch
            self.joins.setdefault(key, [])
            return
        if task.for_each:
            self._visit_each(task)
            return
        try:
            inp = compute_input(task.input_transform, self.data)
        except ExpressionError as exc:
            self.steps.append(DryRunStep(key, None))
            raise _Stop("error", f"input_transform failed: {exc.message}", key) from None
        out = self._output(task, inp)
        if out is _WAIT:
            self.steps.append(DryRunStep(key, inp))
            return
        problem = output_problem(task.output_schema, out)
        if problem is not None:
            self.steps.append(DryRunStep(key, inp, out))
            raise _Stop("error", problem, key)
        self.complete(key, inp, out)

    def _visit_each(self, task: Task) -> None:
        key = task.key
        try:
            items = for_each_items(task.for_each or "", self.data)
            need = flow.group_needed(task.complete_when, len(items))
            if need > len(items):
                raise ExpressionError(f"complete_when is {need} but for_each gave {len(items)} items",
                                      reason="limit", expression=task.for_each or "")
            inputs = [compute_input(task.input_transform, self.data, extra={"item": item, "index": i})
                      if task.input_transform else {"item": item, "index": i} for i, item in enumerate(items)]
        except ExpressionError as exc:
            self.steps.append(DryRunStep(key, None))
            raise _Stop("error", f"for_each failed: {exc.message}", key) from None
        if items and key not in self.outputs:
            self.steps.append(DryRunStep(key, {"for_each": inputs}))
            self.waiting.append((key, f"waiting for the form outputs of {key!r} ({len(items)} items)"))
            self.arm(task, None)
            return
        given = self.outputs.get(key)
        # outputs[key]: one output per item (a list as long as the items), or one output used for every item.
        each = given if isinstance(given, list) and len(given) == len(items) else [given] * len(items)
        for out in each[:need]:
            problem = output_problem(task.output_schema, out)
            if problem is not None:
                self.steps.append(DryRunStep(key, {"for_each": inputs}, each[:need]))
                raise _Stop("error", problem, key)
        self.complete(key, {"for_each": inputs}, list(each[:need]), plan_input=None)

    def _output(self, task: Task, inp: dict[str, Any] | None) -> Any:
        key = task.key
        if key in self.outputs:
            return self.outputs[key]
        if task.type in ("SYNC_ACTION", "ASYNC_ACTION") and key in self.responses:
            reply = self.responses[key]
            try:
                if task.type == "SYNC_ACTION":
                    return response_output(task.output_transform, self.data, input=inp, response=reply)
                return callback_output(task.output_transform, self.data, input=inp, callback=reply)
            except ExpressionError as exc:
                self.steps.append(DryRunStep(key, inp))
                raise _Stop("error", f"output_transform failed: {exc.message}", key) from None
        self.arm(task, inp)  # a TIMER waits for a "clock" step to fire it; a form's timeout may fire instead
        what = {"FORM": "form output", "SYNC_ACTION": "response", "ASYNC_ACTION": "callback",
                "TIMER": "timer", "CALL": "called workflow's data"}.get(task.type, "output")
        self.waiting.append((key, f"waiting for the {what} of {key!r}"))
        return _WAIT

    def complete(self, key: str, inp: dict[str, Any] | None, out: Any, *, plan_input: Any = ...) -> None:
        """Record a completion and follow it: the next tasks queued, JOINs arrived at, ready JOINs completed."""
        plan: Completion = plan_completion(self.wf, key, out, self.data, input=inp if plan_input is ... else None)
        self.data = plan.workflow_data
        self.steps.append(DryRunStep(key, inp, out, plan.decision))
        if plan.hold_reason is not None:
            raise _Stop("hold", plan.hold_reason, key)
        for target in plan.next_tasks:
            spec = self.wf.task(target)
            if spec is not None and spec.type == "JOIN":
                if target in self.joined and spec.join is not None and spec.join.wait_for != "all":
                    continue  # a late arrival at a JOIN whose round completed: the branch ends there
                self.joins.setdefault(target, []).append(key)
            else:
                self.queue.append(target)
        self.settle()

    def settle(self) -> None:
        """Complete the pending JOINs that can (each may start or end branches), as the runtime does."""
        progressed = True
        while progressed:
            progressed = False
            for key, arrived in list(self.joins.items()):
                spec = self.wf.task(key)
                if spec is None or spec.join is None:
                    continue
                before = flow.upstream(self.wf, key)
                live = [k for k in self.live() if k != key and k in before]
                state = flow.join_state(spec.join, len(arrived), len(live))
                if state == "stuck":
                    raise _Stop("hold", f"The join {key!r} waits for {spec.join.wait_for} branches, "
                                        f"{len(arrived)} arrived and no other can", key)
                if state == "ready":
                    del self.joins[key]
                    self.joined.add(key)
                    if spec.join.cancel_rest:
                        self.queue = deque(k for k in self.queue if k not in before)
                        self.waiting = [(k, r) for k, r in self.waiting if k not in before]
                    self.complete(key, None, {"arrived": list(arrived)}, plan_input=None)
                    progressed = True
                    break


_WAIT = object()


def dry_run(
    bundle: Bundle | Mapping[str, Any],
    workflow_key: str,
    ticket: Mapping[str, Any],
    outputs: Mapping[str, Any],
    responses: Mapping[str, Any],
    *,
    workflow: Mapping[str, Any] | None = None,
    max_steps: int = 1000,
    clock: Sequence[str] = (),
    now: datetime | None = None,
) -> DryRunResult:
    """Run `workflow_key` from its start on `ticket` without I/O.

    `outputs[key]` is a FORM task's submitted output (or overrides any task's output);
    `responses[key]` is a SYNC_ACTION's response {status, headers, body} or an ASYNC_ACTION's
    callback body. The run stops when the workflow ends, a task has no output to use (waiting),
    a condition holds, a transform or output check fails (error), or after `max_steps`.
    `clock`: ISO 8601 durations the clock moves on by, one after another, once the run can go no further
    (InvalidInput for one that is not a duration); `now`: when the dry run's clock starts (default: now).
    """
    try:
        steps = [parse_duration(step) for step in clock]
    except DurationError as exc:
        raise InvalidInput(f"A clock step is not a duration: {exc}",
                           details=[{"field": "clock", "message": str(exc)}]) from None
    wf = _workflow(bundle, workflow_key)
    # A real ticket's start (the fields' defaults); `workflow` lets a designer try other values on top.
    data = initial_workflow_data(wf, ticket)
    data["workflow"].update(workflow or {})
    run = _Run(wf, data, outputs, responses, max_steps, queue=deque([wf.start]), now=now or datetime.now(UTC))
    try:
        run.run()
        for step in steps:
            run.tick(step)
    except _Stop as stop:
        return DryRunResult(stop.outcome, tuple(run.steps), stop.at, stop.reason, run.data,
                            tuple(k for k, _ in run.waiting), tuple(run.fired))
    fired = tuple(run.fired)
    if run.waiting:
        key, reason = run.waiting[0]
        return DryRunResult("waiting", tuple(run.steps), key, reason, run.data, tuple(k for k, _ in run.waiting),
                            fired)
    if run.joins:
        key = next(iter(run.joins))
        return DryRunResult("hold", tuple(run.steps), key, f"The join {key!r} still waits", run.data,
                            timers_fired=fired)
    return DryRunResult("completed", tuple(run.steps), None, "the workflow ended", run.data, timers_fired=fired)
