"""The outbox sweeper (rows whose publish after commit did not happen → Celery) and the sweeps for overdue callbacks
and stale actions.

Each outbox row's message is normally sent right after its transaction commits (services/outbox/_publish.py). This
sweeper only sends what that missed (the broker was down, the process died between commit and publish): a row still
unpublished SWEEP_AFTER_SECONDS after the sweeper first saw it is sent, unless its task already left PENDING (its
message arrived and the worker claimed it), in which case the row is only marked. Either way the row is marked
published, so the sweeper sends each row at most once; a duplicate message is harmless (the claim is conditional).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Callable

from tfai.domain.errors import Conflict, NotFound
from tfai.redis_client import get_async_redis
from tfai.services.actions import runs
from tfai.services.workflow import action_results

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# Longer than a publish after commit takes, even with the broker slow: sooner would send most rows twice.
SWEEP_AFTER_SECONDS = 5.0
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


async def publish_rows(publish: Publish, rows: list[tuple[int, int, int]]) -> int:
    """Mark the rows whose task was already claimed, publish the others, then mark them; how many were published.

    A crash between publishing and marking republishes the row later: harmless, the claim is idempotent.
    """
    waiting: list[tuple[int, int, int]] = []
    for company_id, ids in _by_company([(c, o) for o, c, _ in rows]).items():
        still = set(await runs.settle_outbox(company_id, ids))
        waiting += [row for row in rows if row[0] in still]
    if not waiting:
        return 0
    done, failed = await asyncio.to_thread(_publish_many, publish, waiting)
    for company_id, ids in _by_company(done).items():
        await runs.mark_published(company_id, ids)
    for company_id, ids in _by_company(failed).items():
        await runs.note_publish_failure(company_id, ids)
    return len(done)


async def relay_once(publish: Publish, limit: int = BATCH) -> int:
    """Send every committed, unpublished row now (the sweeper's grace aside); how many rows were read."""
    rows = await runs.pending_outbox(limit)
    if rows:
        await publish_rows(publish, rows)
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
    """Runs on the worker's action loop: one leader (a Redis lease) sweeps the outbox and the stale tasks."""

    def __init__(self, publish: Publish, *, sweep_after: float = SWEEP_AFTER_SECONDS) -> None:
        self.publish = publish
        self.sweep_after = sweep_after
        self.ident = f"{socket.gethostname()}:{os.getpid()}"
        self.first_seen: dict[int, float] = {}
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

    def _due(self, rows: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The rows first seen unpublished at least sweep_after ago (a new leader waits that long too)."""
        now = time.monotonic()
        self.first_seen = {r[0]: self.first_seen.get(r[0], now) for r in rows}
        return [r for r in rows if now - self.first_seen[r[0]] >= self.sweep_after]

    async def _round(self) -> bool:
        """Publish (and sweep when due) as the leader; True when a full batch suggests more is waiting."""
        if not await self._is_leader():
            return False
        rows = await runs.pending_outbox(BATCH)
        due = self._due(rows)
        if due:
            await publish_rows(self.publish, due)
        busy = len(due) >= BATCH
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + SWEEP_SECONDS
            await sweep_once(self.publish)
        return busy

    async def run(self) -> None:
        """Rounds until stop(); a failed round (database or Redis down) is logged once and retried with back-off."""
        failures = 0
        while not self.stopping.is_set():
            busy = False
            try:
                busy = await self._round()
                if failures:
                    log.warning("outbox sweeper recovered after %d failed rounds", failures)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the sweeper must outlive any outage
                failures += 1
                log.warning("outbox sweeper round failed (%s)", exc, exc_info=failures == 1)
            delay = min(MAX_BACKOFF_SECONDS, POLL_SECONDS * 2 ** failures) if failures else POLL_SECONDS
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), delay)

    def stop(self) -> None:
        self.stopping.set()
