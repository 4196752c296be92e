"""The outbox relay (committed rows → Celery) and the sweeps for overdue callbacks and stale actions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Callable

import psycopg

from tfai.db.urls import app_url
from tfai.domain.errors import Conflict, NotFound
from tfai.redis_client import get_async_redis
from tfai.services.actions import runs
from tfai.services.workflow import action_results
from tfai.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "tfai_outbox"
POLL_SECONDS = 0.2
# A published action still PENDING this long lost its message (a worker killed with it prefetched, a broker restart):
# publish again (a duplicate is harmless: the claim is a conditional UPDATE). Kombu would redeliver it only after the
# visibility timeout (an hour or more).
LOST_AFTER_SECONDS = 60
MAX_BACKOFF_SECONDS = 5.0  # after failed rounds (database or Redis down): 0.4, 0.8, ... up to this
SWEEP_SECONDS = 2.0
BATCH = 100
LEADER_KEY = "tfai:actions:relay-leader"
LEADER_MS = 3000
_RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
          "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")


# Sends one run_action message to the broker (blocking; called from a thread). The Celery app passes it in, so
# this module never imports the app that starts the relay.
Publish = Callable[[int, int], None]


def _publish_many(publish: Publish,
                  rows: list[tuple[int, int, int]]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    done: list[tuple[int, int]] = []
    failed: list[tuple[int, int]] = []
    for outbox_id, company_id, task_id in rows:
        try:
            publish(company_id, task_id)
            done.append((company_id, outbox_id))
        except Exception as exc:  # noqa: BLE001 - the row stays pending and is tried again
            # The broker is down: the rest of the batch would fail the same way, each after kombu's retries.
            log.warning("publishing outbox row %s failed (%s); the batch waits for the next round", outbox_id, exc)
            failed.append((company_id, outbox_id))
            break
    return done, failed


def _by_company(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for company_id, outbox_id in pairs:
        grouped[company_id].append(outbox_id)
    return grouped


async def relay_once(publish: Publish, limit: int = BATCH) -> int:
    """Publish committed, unpublished rows, then mark them; how many rows were read.

    A crash between publishing and marking republishes the row later: harmless, the claim is idempotent.
    """
    rows = await runs.pending_outbox(limit)
    if not rows:
        return 0
    done, failed = await asyncio.to_thread(_publish_many, publish, rows)
    for company_id, ids in _by_company(done).items():
        await runs.mark_published(company_id, ids)
    for company_id, ids in _by_company(failed).items():
        await runs.note_publish_failure(company_id, ids)
    return len(rows)


async def sweep_once(publish: Publish) -> tuple[int, int]:
    """Fail overdue ASYNC tasks and republish stale ones; (overdue, republished)."""
    overdue = await runs.overdue_callbacks()
    for company_id, task_id in overdue:
        with contextlib.suppress(Conflict, NotFound):
            await action_results.fail_action_task(company_id, task_id, error="callback not received in time")
    stale = await runs.stale_actions(lost_after=LOST_AFTER_SECONDS)
    for company_id, task_id in stale:
        await asyncio.to_thread(publish, company_id, task_id)
    return len(overdue), len(stale)


class Relay:
    """Runs on the worker's action loop: one leader (a Redis lease) publishes and sweeps."""

    def __init__(self, publish: Publish) -> None:
        self.publish = publish
        self.ident = f"{socket.gethostname()}:{os.getpid()}"
        self.wake = asyncio.Event()
        self.stopping = asyncio.Event()
        self.leader = False
        self.checked_until = 0.0
        self.next_sweep = 0.0

    async def _is_leader(self) -> bool:
        """Hold (or take) the Redis lease; checked at most every third of its lifetime."""
        now = time.monotonic()
        if now < self.checked_until:
            return self.leader
        try:
            client = get_async_redis()
            self.leader = bool(await client.set(LEADER_KEY, self.ident, nx=True, px=LEADER_MS)) or bool(
                await client.eval(_RENEW, 1, LEADER_KEY, self.ident, str(LEADER_MS)))  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - without Redis nothing can be published anyway
            self.leader = False
        self.checked_until = now + LEADER_MS / 3000
        return self.leader

    async def listen(self) -> None:
        """Wake the relay on NOTIFY tfai_outbox (sent by a trigger when an outbox row commits)."""
        conninfo = app_url(get_settings()).set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for _ in conn.notifies():
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - polling still works; reconnect shortly
                log.warning("outbox LISTEN connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(2)

    async def _round(self) -> bool:
        """Publish (and sweep when due) as the leader; True when a full batch suggests more is waiting."""
        if not await self._is_leader():
            return False
        busy = await relay_once(self.publish) >= BATCH
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + SWEEP_SECONDS
            await sweep_once(self.publish)
        return busy

    async def run(self) -> None:
        """Rounds until stop(); a failed round (database or Redis down) is logged once and retried with back-off."""
        listener = asyncio.create_task(self.listen())
        failures = 0
        try:
            while not self.stopping.is_set():
                self.wake.clear()
                busy = False
                try:
                    busy = await self._round()
                    if failures:
                        log.warning("outbox relay recovered after %d failed rounds", failures)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the relay must outlive any outage
                    failures += 1
                    log.warning("outbox relay round failed (%s)", exc, exc_info=failures == 1)
                delay = min(MAX_BACKOFF_SECONDS, POLL_SECONDS * 2 ** failures) if failures else POLL_SECONDS
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait() if failures else self.wake.wait(), delay)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
