"""Parallel flow decisions: which branches a split starts, when a JOIN or a for_each group is done, graph reach.

Pure like the rest of the engine: the runtime (services/workflow) and the dry run ask these, then apply.
A *branch* is not stored: it is an active task instance. A JOIN waits while an active task of its workflow can
still reach it (the inclusive-gateway rule), so a branch that ended, or was cancelled, no longer counts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tfai.domain.bundle import Join, Transition, Workflow
from tfai.domain.expressions import ExpressionError, Scope, evaluate
from tfai.domain.limits import MAX_FOR_EACH_ITEMS

State = Literal["wait", "ready", "stuck"]


@dataclass(frozen=True)
class Fired:
    """One outgoing transition tried by a split: its document index, target and what its condition gave."""

    index: int
    to: str | None
    condition: str | None
    value: bool | None
    error: str | None = None


def fire_all(outs: Iterable[tuple[int, Transition]], scope: Mapping[str, Any]) -> list[Fired]:
    """Every outgoing transition tried, in order (`"next": "all"`); stops at the first failing condition (its error
    set): the split then holds, like a failing condition of a single path."""
    tried: list[Fired] = []
    batch = Scope(dict(scope))  # the conditions share one converted scope
    for index, tr in outs:
        if tr.condition is None:
            tried.append(Fired(index, tr.to, None, True))
            continue
        try:
            value = batch.condition(tr.condition)
        except ExpressionError as exc:
            tried.append(Fired(index, tr.to, tr.condition, None, exc.message))
            return tried
        tried.append(Fired(index, tr.to, tr.condition, value))
    return tried


def upstream(workflow: Workflow, target: str) -> frozenset[str]:
    """Task keys from which `target` can be reached along transitions without passing through it (its own loops
    excluded): an active task of one of these is a branch still on its way to the JOIN `target`."""
    back: dict[str, set[str]] = {}
    for tr in workflow.transitions:
        if tr.to is not None:
            back.setdefault(tr.to, set()).add(tr.from_)
    seen: set[str] = set()
    queue = deque(back.get(target, ()))
    while queue:
        key = queue.popleft()
        if key in seen or key == target:
            continue
        seen.add(key)
        queue.extend(back.get(key, ()))
    return frozenset(seen)


def join_state(spec: Join, arrived: int, live_upstream: int) -> State:
    """A JOIN with `arrived` branches in and `live_upstream` active tasks that can still reach it.

    "all": ready once nothing upstream is alive. n: ready at n arrivals; stuck when fewer arrived and nothing
    upstream is alive (no branch can bring the missing ones).
    """
    if spec.wait_for == "all":
        return "ready" if live_upstream == 0 else "wait"
    if arrived >= spec.wait_for:
        return "ready"
    return "stuck" if live_upstream == 0 else "wait"


def group_needed(complete_when: Literal["all"] | int | None, total: int) -> int:
    """How many instances of a for_each group must complete: all of them, or `complete_when`."""
    return total if complete_when in (None, "all") else int(complete_when)


def group_state(complete_when: Literal["all"] | int | None, total: int, completed: int, live: int) -> State:
    """A for_each group of `total` instances, `completed` done and `live` still active: ready, waiting, or stuck
    (fewer can still complete than it needs)."""
    need = group_needed(complete_when, total)
    if completed >= need:
        return "ready"
    return "stuck" if completed + live < need else "wait"


def group_output(outputs: Iterable[tuple[int, Any]]) -> list[Any]:
    """A for_each task's output in tasks.<key>: the completed instances' outputs in item order."""
    return [out for _, out in sorted(outputs, key=lambda pair: pair[0])]


def items_of(expression: str, scope: Mapping[str, Any]) -> list[Any]:
    """The list a `for_each` gives (ExpressionError: not a list, or more items than MAX_FOR_EACH_ITEMS)."""
    value = evaluate(expression, dict(scope))
    if not isinstance(value, list):
        got = "null" if value is None else type(value).__name__
        raise ExpressionError(f"for_each must give a list, it gave a {got}", reason="type", expression=expression)
    if len(value) > MAX_FOR_EACH_ITEMS:
        raise ExpressionError(f"for_each gave {len(value)} items, at most {MAX_FOR_EACH_ITEMS} are allowed",
                              reason="limit", expression=expression)
    return value


def call_ticket(expression: str | None, scope: Mapping[str, Any]) -> dict[str, Any]:
    """A CALL's child ticket data: its `input` map (ExpressionError when it is no map); without one, empty."""
    if not expression:
        return {}
    value = evaluate(expression, dict(scope))
    if not isinstance(value, dict):
        got = "null" if value is None else type(value).__name__
        raise ExpressionError(f"input must give a map, it gave a {got}", reason="type", expression=expression)
    return value


def timestamp_of(expression: str, scope: Mapping[str, Any]) -> datetime:
    """When a TIMER's `until` fires: its CEL timestamp (or an ISO 8601 string; one without a zone is UTC).
    ExpressionError when it gives anything else."""
    value = evaluate(expression, dict(scope))
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            when = None
        if when is not None:
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    got = "null" if value is None else f"{type(value).__name__} {str(value)[:40]!r}"
    raise ExpressionError(f"until must give a timestamp, it gave a {got}", reason="type", expression=expression)
