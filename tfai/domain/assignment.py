"""The assignment rule in plain Python: the oracle of a property test against the SQL that runs.

The product assigns in SQL (services/workflow/_assignment.py, one statement under the company's lock); this
states the same rule readably (least-loaded available active worker, ties to the least recently assigned) and
tests/services/workflow/test_assignment_oracle.py checks the SQL against it. Nothing else calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class WorkerLoad:
    """One candidate worker: open work (OPEN + IN_PROGRESS tasks) and when they last got a task."""

    user_id: int
    load: int
    last_assigned_at: datetime | None = None
    active: bool = True
    available: bool = True


def _rank(worker: WorkerLoad) -> tuple[int, int, float, int]:
    never = worker.last_assigned_at is None
    stamp = 0.0 if worker.last_assigned_at is None else worker.last_assigned_at.timestamp()
    return (worker.load, 0 if never else 1, stamp, worker.user_id)


def choose_worker(workers: Iterable[WorkerLoad]) -> WorkerLoad | None:
    """The worker who gets the next task: fewest open tasks, then least recently assigned (never first),
    then the lowest id; None when nobody is both active and available."""
    candidates = [w for w in workers if w.active and w.available]
    if not candidates:
        return None
    return min(candidates, key=_rank)


def plan_assignments(workers: Iterable[WorkerLoad], count: int, now: datetime) -> list[int]:
    """Assign `count` waiting tasks one after another; the user id for each, in order (may be shorter)."""
    pool = {w.user_id: w for w in workers if w.active and w.available}
    plan: list[int] = []
    for _ in range(count):
        chosen = choose_worker(pool.values())
        if chosen is None:
            break
        plan.append(chosen.user_id)
        pool[chosen.user_id] = replace(chosen, load=chosen.load + 1, last_assigned_at=now)
    return plan
