"""Assignment: fewest open tasks wins, then least recently assigned (never first), then the lowest id."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from tfai.domain.assignment import WorkerLoad, choose_worker, plan_assignments

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_fewest_open_tasks_wins() -> None:
    chosen = choose_worker([WorkerLoad(1, 3), WorkerLoad(2, 1), WorkerLoad(3, 2)])
    assert chosen is not None and chosen.user_id == 2


def test_tie_goes_to_never_assigned_then_least_recent() -> None:
    workers = [WorkerLoad(1, 0, T0 + timedelta(minutes=5)), WorkerLoad(2, 0, T0), WorkerLoad(3, 0, None)]
    assert choose_worker(workers) == WorkerLoad(3, 0, None)
    assert choose_worker(workers[:2]) == WorkerLoad(2, 0, T0)


def test_full_tie_goes_to_lowest_id() -> None:
    chosen = choose_worker([WorkerLoad(9, 1, T0), WorkerLoad(4, 1, T0), WorkerLoad(7, 1, T0)])
    assert chosen is not None and chosen.user_id == 4


def test_unavailable_and_inactive_workers_are_skipped() -> None:
    workers = [WorkerLoad(1, 0, available=False), WorkerLoad(2, 0, active=False), WorkerLoad(3, 50)]
    chosen = choose_worker(workers)
    assert chosen is not None and chosen.user_id == 3
    assert choose_worker(workers[:2]) is None
    assert choose_worker([]) is None


def test_plan_spreads_evenly() -> None:
    plan = plan_assignments([WorkerLoad(1, 0), WorkerLoad(2, 0), WorkerLoad(3, 0)], 99, T0)
    assert Counter(plan) == {1: 33, 2: 33, 3: 33}


def test_plan_fills_the_emptiest_first() -> None:
    plan = plan_assignments([WorkerLoad(1, 3), WorkerLoad(2, 0)], 4, T0)
    assert plan == [2, 2, 2, 1]


def test_plan_without_workers_is_empty() -> None:
    assert plan_assignments([WorkerLoad(1, 0, available=False)], 5, T0) == []
