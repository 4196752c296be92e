"""The timer loop of every worker process: sleeps until the next timer is due (woken by NOTIFY) and fires due ones.

Every worker runs it; FOR UPDATE SKIP LOCKED in services/workflow/timers.fire_due makes them share the due timers
without firing one twice, and a worker killed mid-firing leaves its claim rolled back for the others. Timers are
rows of PostgreSQL, so they survive restarts of every process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future
from typing import Any

import psycopg

from tfai.db.urls import app_url
from tfai.services.workflow import timers
from tfai.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "tfai_timers"
BATCH = 100
# The longest sleep without a look at the table: bounds the lateness of a timer whose NOTIFY was missed (the
# LISTEN connection reconnecting) and of one whose back-off ends. Scheduling a timer NOTIFYs, so a timer due
# sooner than the planned wake-up is still met on time.
MAX_SLEEP_SECONDS = 1.0
# When due timers are all being fired by other workers, look again this soon rather than spin.
BUSY_SLEEP_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 5.0

_running: dict[str, Any] = {}


class TimerLoop:
    """Fires due timers in rounds on the worker's action loop until stop()."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.stopping = asyncio.Event()
        self.rounds = 0
        self.fired = 0

    async def listen(self) -> None:
        """Wake the loop on NOTIFY tfai_timers (a trigger sends it when timers are scheduled)."""
        conninfo = app_url(get_settings()).set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for _ in conn.notifies():
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the bounded sleep still finds due timers; reconnect shortly
                log.warning("timers LISTEN connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(2)

    async def round(self) -> float:
        """Fire every due timer (in batches), then how long to sleep: until the next one is due, at most 1 s."""
        self.rounds += 1
        while (fired := await timers.fire_due(BATCH)) > 0:
            self.fired += fired
            if self.stopping.is_set():
                return 0.0
        upcoming = await timers.next_due_in()
        if upcoming is None:
            return MAX_SLEEP_SECONDS
        return min(MAX_SLEEP_SECONDS, max(BUSY_SLEEP_SECONDS, upcoming))

    async def run(self) -> None:
        """Rounds until stop(); a failed round (database down, a lost connection) is logged and retried."""
        listener = asyncio.create_task(self.listen())
        failures = 0
        try:
            while not self.stopping.is_set():
                self.wake.clear()
                try:
                    delay = await self.round()
                    if failures:
                        log.warning("timer loop recovered after %d failed rounds", failures)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the loop must outlive any outage
                    failures += 1
                    delay = min(MAX_BACKOFF_SECONDS, 0.1 * 2 ** failures)
                    log.warning("timer round failed (%s)", exc, exc_info=failures == 1)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait() if failures else self.wake.wait(), delay)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()


def start() -> None:
    """Start the timer loop on this worker process's action loop (tfai.worker.loop); called when the worker is
    ready."""
    from tfai.worker import loop

    async def _make() -> TimerLoop:
        return TimerLoop()

    timer_loop = loop.run(_make())
    _running["loop"] = timer_loop
    _running["future"] = loop.submit(timer_loop.run())


def stop(timeout: float = 10) -> None:
    """Stop the timer loop and wait for its round to end (a timer being fired commits or rolls back whole)."""
    from tfai.worker import loop

    timer_loop: TimerLoop | None = _running.pop("loop", None)
    future: Future[None] | None = _running.pop("future", None)
    if timer_loop is not None:
        loop.get_loop().call_soon_threadsafe(timer_loop.stop)
    if future is not None:
        with contextlib.suppress(Exception):
            future.result(timeout)
