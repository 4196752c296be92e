"""Per-company fairness: one company's stalled actions cannot take every thread of a worker process."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tfai.worker.fairness import SLOTS, CompanySlots


def test_a_company_gets_at_most_its_share_and_others_are_unaffected() -> None:
    slots = CompanySlots()
    with slots.hold(1, limit=2) as first, slots.hold(1, limit=2) as second, slots.hold(1, limit=2) as third, \
            slots.hold(2, limit=2) as other:
        assert (first, second, third, other) == (True, True, False, True)
        assert slots.running(1) == 2
    assert slots.running(1) == 0 and slots.running(2) == 0  # every slot is given back, also the refused one
    with slots.hold(1, limit=2) as again:
        assert again


def test_slots_are_released_when_the_run_fails() -> None:
    slots = CompanySlots()
    with pytest.raises(RuntimeError), slots.hold(7, limit=1):
        raise RuntimeError("the action broke")
    assert slots.running(7) == 0


def test_slots_hold_under_concurrent_threads() -> None:
    slots, barrier, took = CompanySlots(), threading.Barrier(9), []  # 8 threads and this one
    release = threading.Event()

    def run() -> None:
        with slots.hold(3, limit=3) as ok:
            took.append(ok)
            barrier.wait()
            release.wait(5)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    barrier.wait(5)  # every thread holds its answer (and a slot, when it got one)
    release.set()
    for t in threads:
        t.join(5)
    assert took.count(True) == 3


def test_a_busy_companys_action_is_queued_again_and_anothers_runs(stack: object, monkeypatch: pytest.MonkeyPatch,
                                                                  setting) -> None:  # type: ignore[no-untyped-def]
    # Imported here, not at collection: the Celery app reads its broker URL once, from the test stack's settings.
    from tfai.worker import execute, tasks

    setting(action_slots_per_company=1)
    queued: list[dict[str, Any]] = []
    ran: list[tuple[int, int]] = []

    async def fake_execute(company_id: int, task_id: int) -> str:
        ran.append((company_id, task_id))
        return "completed"

    monkeypatch.setattr(tasks.run_action, "apply_async", lambda **kw: queued.append(kw))
    monkeypatch.setattr(execute, "run_action", fake_execute)
    # Counted on the in-process action loop, the outcome would be flushed through the process's one async Redis
    # client, binding it to that loop while the tests' loop still uses it (a worker process has only that loop).
    monkeypatch.setattr(tasks.metrics, "count_outcome", lambda outcome: outcome)
    with SLOTS.hold(101, limit=1) as stalled:  # company 101's one slot is held by a stalled action
        assert stalled
        assert tasks.run_action(101, 5) == "deferred"
        assert tasks.run_action(202, 6) == "completed"
    assert ran == [(202, 6)]
    assert len(queued) == 1 and queued[0]["args"] == (101, 5) and 2 <= queued[0]["countdown"] <= 4


def test_a_full_company_waits_briefly_for_a_slot_that_frees() -> None:
    slots, freed = CompanySlots(), threading.Event()
    got: list[bool] = []

    def holder() -> None:
        with slots.hold(4, limit=1):
            freed.wait(5)

    def waiter() -> None:
        with slots.hold(4, limit=1, wait=5) as took:
            got.append(took)

    first = threading.Thread(target=holder)
    first.start()
    while slots.running(4) == 0:
        threading.Event().wait(0.01)
    second = threading.Thread(target=waiter)
    second.start()
    freed.set()  # the running action finishes: the waiting one takes its slot instead of being deferred
    first.join(5)
    second.join(5)
    assert got == [True] and slots.running(4) == 0
    with slots.hold(4, limit=1) as mine, slots.hold(4, limit=1, wait=0.05) as other:
        assert (mine, other) == (True, False)  # still full when the wait runs out
