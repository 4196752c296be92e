"""Tenant-authored code under a bound: CEL steps, schema checks, dry runs and bundle validation (issue 18 item 1).

Every run-time evaluation of a company's CEL and every check against its schemas goes through here. Work that is
provably small runs in-process: expressions without macros (no comprehension, so their cost is bounded by their
own size times their data's) of at most _FAST_EXPRESSION_BYTES over at most _FAST_DATA_BYTES of data, and schemas
of at most _FAST_SCHEMA_BYTES without references or the keywords whose cost grows faster than their input. The
rest runs in the sandbox (tfai/services/common/sandbox.py), killed at its deadline: MAX_STEP_SECONDS per step,
MAX_DRY_RUN_SECONDS per dry run, MAX_VALIDATION_SECONDS per bundle validation. A step that runs out fails like any
other expression or data error, so the callers' usual handling applies (the ticket holds, 422, dry-run error).
Sandbox calls are keyed by a company (the company_id given, else the request's slot, concurrency.running_for): one
company holds at most all but one of the pool's processes; calls that name no company share the key None, which is
capped the same way, so they never starve the companies' evaluations.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from tfai.domain.bundle import Workflow
from tfai.domain.dry_run import DryRunResult
from tfai.domain.dry_run import dry_run as domain_dry_run
from tfai.domain.engine import (
    Completion,
    Decision,
    call_ticket,
    callback_output,
    compute_input,
    for_each_items,
    ordered_transitions,
    plan_completion,
    record_output,
    response_output,
    timer_until,
)
from tfai.domain.errors import InvalidInput
from tfai.domain.expressions import ExpressionError, compile_expression, macro_free
from tfai.domain.lifecycle import WorkflowEvent
from tfai.domain.limits import MAX_DRY_RUN_SECONDS, MAX_STEP_SECONDS, MAX_VALIDATION_SECONDS
from tfai.domain.problems import Report
from tfai.domain.schema_check import require_valid
from tfai.domain.validate import ExistingDefinitions, validate
from tfai.services.common.concurrency import running_for
from tfai.services.common.sandbox import Pool, SandboxFailed, TimeLimitExceeded

T = TypeVar("T")

# In-process fast path: a macro-free expression this long over this much data costs well under a millisecond
# (even `a + a + ... + a`, the quadratic case, copies a few MiB at most).
_FAST_EXPRESSION_BYTES = 512
_FAST_DATA_BYTES = 8 * 1024
_FAST_SCHEMA_BYTES = 4 * 1024
# $ref can repeat a subschema exponentially, uniqueItems compares every pair of items, and the unevaluated*
# keywords re-validate subschemas per property: schemas with them go to the sandbox whatever their size.
_COSTLY_SCHEMA_KEYS = frozenset({"$ref", "$dynamicRef", "uniqueItems", "unevaluatedProperties", "unevaluatedItems"})


def _warm() -> None:
    """A new sandbox process builds the CEL parser and the schema validator before its first call."""
    compile_expression("{'ready': true}")
    require_valid({"type": "object"}, {}, what="data")


_pool: tuple[int, Pool] | None = None
_pool_lock = threading.Lock()


def pool() -> Pool:
    """This process's sandbox pool (a forked child builds its own: pipes and threads do not survive a fork)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), Pool(preload=("tfai.services.common.tenant_code",), warm=_warm))
        return _pool[1]


def close_pool() -> None:
    """Stop this process's sandbox processes (at shut-down); the next pool() starts a new pool."""
    global _pool
    with _pool_lock:
        closing, _pool = _pool, None
    if closing is not None and closing[0] == os.getpid():
        closing[1].close()


def _within(value: Any, budget: int, *, costly: frozenset[str] = frozenset()) -> bool:
    """True when `value` is at most about `budget` bytes of JSON and has no key in `costly` (stops early)."""
    stack = [value]
    while stack:
        node = stack.pop()
        budget -= 8
        if isinstance(node, dict):
            if costly and not costly.isdisjoint(node):
                return False
            budget -= sum(len(str(k)) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, str):
            budget -= len(node)
        if budget < 0:
            return False
    return True


def _cheap_cel(expressions: Iterable[str | None], *data: Any) -> bool:
    return all(len(e) <= _FAST_EXPRESSION_BYTES and macro_free(e) for e in expressions if e) \
        and _within(data, _FAST_DATA_BYTES)


def _fair_key(company_id: int | None) -> int | None:
    """Whose share of the sandbox a call uses: the given company, else the company slot's, else the shared None."""
    return company_id if company_id is not None else running_for()


async def _bounded(fn: Callable[..., T], /, *args: Any, cheap: bool, seconds: float, company_id: int | None = None,
                   **kwargs: Any) -> T:
    if cheap:
        return fn(*args, **kwargs)
    return await pool().run(fn, *args, seconds=seconds, fair_key=_fair_key(company_id), **kwargs)


def _stopped(what: str, exc: TimeLimitExceeded | SandboxFailed, expression: str = "") -> ExpressionError:
    if isinstance(exc, TimeLimitExceeded):
        return ExpressionError(f"{what} took longer than {MAX_STEP_SECONDS:g} s and was stopped",
                               reason="timeout", expression=expression)
    return ExpressionError(f"{what} was stopped: {exc.message}", reason="sandbox", expression=expression)


async def task_input(input_transform: str | None, workflow_data: Mapping[str, Any], *,
                     extra: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """compute_input under the bound; ExpressionError when it fails or runs out of time."""
    if not input_transform:
        return None
    try:
        return await _bounded(compute_input, input_transform, workflow_data, extra=extra, seconds=MAX_STEP_SECONDS,
                              cheap=_cheap_cel([input_transform], workflow_data, extra))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        raise _stopped("The input_transform", exc, input_transform) from exc


async def task_items(for_each: str, workflow_data: Mapping[str, Any]) -> list[Any]:
    """for_each_items (a for_each task's list) under the bound; ExpressionError when it fails."""
    try:
        return await _bounded(for_each_items, for_each, workflow_data, seconds=MAX_STEP_SECONDS,
                              cheap=_cheap_cel([for_each], workflow_data))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        raise _stopped("The for_each expression", exc, for_each) from exc


async def child_ticket(input_expression: str | None, workflow_data: Mapping[str, Any]) -> dict[str, Any]:
    """call_ticket (a CALL's child ticket data) under the bound; ExpressionError when it fails."""
    try:
        return await _bounded(call_ticket, input_expression, workflow_data, seconds=MAX_STEP_SECONDS,
                              cheap=_cheap_cel([input_expression], workflow_data))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        raise _stopped("The CALL input", exc, input_expression or "") from exc


async def until_time(until: str, workflow_data: Mapping[str, Any], *, input: Any = None) -> datetime:  # noqa: A002
    """timer_until (when a TIMER with `until` fires) under the bound; ExpressionError when it fails."""
    try:
        return await _bounded(timer_until, until, workflow_data, input=input, seconds=MAX_STEP_SECONDS,
                              cheap=_cheap_cel([until], workflow_data, input))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        raise _stopped("The until expression", exc, until) from exc


async def completion(workflow: Workflow, task_key: str, output: Any, workflow_data: Mapping[str, Any], *,
                     input: dict[str, Any] | None, run_set: bool = True) -> Completion:  # noqa: A002
    """plan_completion under the bound; conditions (or `set` expressions) that run out of time hold the workflow."""
    task = workflow.task(task_key)
    conditions = [tr.condition for _, tr in ordered_transitions(workflow, task_key)]
    conditions += list((task.set or {}).values()) if task is not None else []
    try:
        return await _bounded(plan_completion, workflow, task_key, output, workflow_data, input=input,
                              run_set=run_set, seconds=MAX_STEP_SECONDS,
                              cheap=_cheap_cel(conditions, workflow_data, output, input))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        reason = _stopped(f"Choosing what follows {task_key!r}", exc).message
        return Completion(Decision("hold", reason=reason), record_output(workflow_data, task_key, output),
                          workflow_event=WorkflowEvent.AUTO_HOLD, hold_reason=reason)


async def action_output(output_transform: str | None, workflow_data: Mapping[str, Any], *,
                        input: Mapping[str, Any] | None, response: Mapping[str, Any]) -> Any:  # noqa: A002
    """response_output (a SYNC_ACTION's output) under the bound; ExpressionError when it fails."""
    try:
        return await _bounded(response_output, output_transform, workflow_data, input=input, response=response,
                              seconds=MAX_STEP_SECONDS,
                              cheap=_cheap_cel([output_transform], workflow_data, input, response))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        raise _stopped("The output_transform", exc, output_transform or "") from exc


async def callback_result(output_transform: str | None, workflow_data: Mapping[str, Any], *,
                          input: Mapping[str, Any] | None, callback: Any,  # noqa: A002 - the CEL name
                          company_id: int | None = None) -> Any:
    """callback_output (an ASYNC_ACTION's output) under the bound; ExpressionError when it fails. company_id: whose
    share of the sandbox it uses when the caller holds no company slot."""
    try:
        return await _bounded(callback_output, output_transform, workflow_data, input=input, callback=callback,
                              seconds=MAX_STEP_SECONDS, company_id=company_id,
                              cheap=_cheap_cel([output_transform], workflow_data, input, callback))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        raise _stopped("The output_transform", exc, output_transform or "") from exc


async def check_data(schema: dict[str, Any] | None, data: Any, *, what: str) -> None:
    """require_valid under the bound; InvalidInput also when the check runs out of time."""
    cheap = _within(schema, _FAST_SCHEMA_BYTES, costly=_COSTLY_SCHEMA_KEYS) and _within(data, _FAST_DATA_BYTES)
    try:
        await _bounded(require_valid, schema, data, what=what, seconds=MAX_STEP_SECONDS, cheap=cheap)
    except (TimeLimitExceeded, SandboxFailed) as exc:
        message = f"Checking the {what} against its schema took longer than {MAX_STEP_SECONDS:g} s" \
            if isinstance(exc, TimeLimitExceeded) else f"Checking the {what} was stopped: {exc.message}"
        raise InvalidInput(message, details=[{"field": "", "message": message}]) from exc


async def dry_run(bundle: Mapping[str, Any], workflow_key: str, ticket: dict[str, Any], outputs: dict[str, Any],
                  responses: dict[str, Any], *, workflow: dict[str, Any], clock: list[str] | None = None
                  ) -> DryRunResult:
    """The whole dry run in the sandbox (up to 1000 steps); running out of time is its `error` outcome."""
    try:
        return await pool().run(domain_dry_run, bundle, workflow_key, ticket, outputs, responses,
                                workflow=workflow, clock=clock or [], seconds=MAX_DRY_RUN_SECONDS,
                                fair_key=running_for())
    except TimeLimitExceeded:
        return DryRunResult("error", reason=f"the dry run took longer than {MAX_DRY_RUN_SECONDS:g} s and was stopped")
    except SandboxFailed as exc:
        return DryRunResult("error", reason=f"the dry run was stopped: {exc.message}")


async def validate_bundle(bundle: Any, existing: ExistingDefinitions, *, allow_private_networks: bool,
                          company_id: int | None = None) -> Report:
    """The bundle validator in the sandbox; running out of time is one error at the root. company_id: whose share of
    the sandbox it uses when the caller holds no company slot."""
    try:
        return await pool().run(validate, bundle, existing, allow_private_networks=allow_private_networks,
                                seconds=MAX_VALIDATION_SECONDS, fair_key=_fair_key(company_id))
    except (TimeLimitExceeded, SandboxFailed) as exc:
        report = Report()
        report.error("", "validator.time_limit" if isinstance(exc, TimeLimitExceeded) else "validator.internal",
                     f"Validating the bundle was stopped: {exc.message}")
        return report
