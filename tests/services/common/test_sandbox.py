"""The sandbox pool: a call past its deadline is killed and replaced, the pool keeps serving, errors come back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from tfai.domain.engine import compute_input
from tfai.domain.expressions import ExpressionError
from tfai.services.common.sandbox import Pool, SandboxFailed, TimeLimitExceeded, fair_share

FOREVER = range(10**15)  # sum() over it is a CPU-bound loop no signal interrupts


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    made = Pool(2)
    made.warm_up()
    yield made
    made.close()


def test_an_endless_loop_is_killed_at_the_deadline_and_the_pool_keeps_serving(pool: Pool) -> None:
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as caught:
        pool.call(sum, (FOREVER,), {}, seconds=0.2)
    assert 0.2 <= time.monotonic() - started < 2.0
    assert caught.value.details == {"seconds": 0.2}
    for n in range(4):  # every process of the pool answers again, the replaced one included
        assert pool.call(sum, (range(n),), {}, seconds=5) == sum(range(n))


def test_errors_come_back_as_the_same_class_with_their_attributes(pool: Pool) -> None:
    with pytest.raises(ExpressionError) as caught:
        pool.call(compute_input, ("{'a': ticket.missing.deeper}", {"ticket": {}}), {}, seconds=5)
    assert caught.value.reason == "eval" and caught.value.expression == "{'a': ticket.missing.deeper}"
    assert pool.call(compute_input, ("{'a': ticket.x + 1}", {"ticket": {"x": 1}}), {}, seconds=5) == {"a": 2}


def test_a_process_that_dies_is_a_clear_failure_and_is_replaced(pool: Pool) -> None:
    with pytest.raises(SandboxFailed):
        pool.call(bytearray, (4 * 1024**3,), {}, seconds=5)  # over the address-space cap: MemoryError or death
    assert pool.call(sum, ([1, 2],), {}, seconds=5) == 3


async def test_a_stuck_call_holds_one_process_while_others_are_served_without_blocking_the_loop(pool: Pool) -> None:
    stuck = asyncio.create_task(pool.run(sum, FOREVER, seconds=1.0, fair_key="stuck"))
    await asyncio.sleep(0.05)
    ticks = 0
    started = time.monotonic()
    while not stuck.done() and ticks < 5:  # the event loop runs while the stuck call waits in its thread
        ticks += 1
        assert await pool.run(sum, [ticks], seconds=5, fair_key="other") == ticks
    assert not stuck.done() and ticks == 5
    assert time.monotonic() - started < 1.0  # served before the stuck call's deadline
    with pytest.raises(TimeLimitExceeded):
        await stuck


def test_one_key_may_hold_all_processes_but_one() -> None:
    assert [fair_share(size) for size in (1, 2, 3, 4)] == [1, 1, 2, 3]


async def test_a_key_saturating_the_pool_leaves_a_process_for_another_key(pool: Pool) -> None:
    hostile = [asyncio.create_task(pool.run(sum, FOREVER, seconds=0.5, fair_key="a")) for _ in range(3)]
    await asyncio.sleep(0.05)
    assert pool.in_use("a") == fair_share(2) == 1  # the other two wait in line, not in a process or a thread
    assert await pool.run(sum, [1, 2], seconds=5, fair_key="b") == 3
    assert not any(task.done() for task in hostile), "b was served only after a hostile call ended"
    assert all(isinstance(r, TimeLimitExceeded) for r in await asyncio.gather(*hostile, return_exceptions=True))
    assert pool.in_use("a") == pool.in_use("b") == 0


async def test_a_cancelled_waiter_leaves_the_line_and_the_next_call_is_served(pool: Pool) -> None:
    running = asyncio.create_task(pool.run(sum, FOREVER, seconds=0.3, fair_key="c"))
    await asyncio.sleep(0.05)
    waiting = asyncio.create_task(pool.run(sum, [1], seconds=5, fair_key="c"))
    await asyncio.sleep(0.05)
    waiting.cancel()
    assert await pool.run(sum, [2, 3], seconds=5, fair_key="c") == 5  # after the running one, not stuck
    assert waiting.cancelled() and running.done()
    with pytest.raises(TimeLimitExceeded):
        await running
    assert pool.in_use("c") == 0


def test_warm_up_starts_every_process() -> None:
    fresh = Pool(2)
    try:
        assert fresh.live_processes() == 0  # processes start on demand
        fresh.warm_up()
        assert fresh.live_processes() == 2
    finally:
        fresh.close()
