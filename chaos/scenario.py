"""The faults, one phase each, while the load runs; per-phase figures from what clients saw."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from benchmarks.bench_submit import run_load
from benchmarks.stats import load as load_stats
from chaos.load import Ledger, chaos_op
from chaos.setup import Rig

RECOVERY_LIMIT = 30.0  # seconds from the fault's end to the first successful submission


@dataclass(frozen=True)
class Timing:
    """How long the load runs before the fault, after it, and how long a server stays down."""

    lead: float
    tail: float
    down: float
    clients: int


QUICK = Timing(lead=3, tail=12, down=4, clients=6)
FULL = Timing(lead=10, tail=30, down=8, clients=10)


def _in_flight(rig: Rig, wait: float = 10.0) -> tuple[list[int], str]:
    """Action tasks with an attempt under way (waiting up to `wait` s for at least two), and the server's now()."""
    assert rig.company is not None
    deadline = time.monotonic() + wait
    with psycopg.connect(rig.owner_url, autocommit=True) as conn:
        while True:
            rows = conn.execute("SELECT task_instance_id, now()::text FROM action_attempts WHERE company_id = %s "
                                "AND finished_at IS NULL", (rig.company.id,)).fetchall()
            if len(rows) >= 2 or time.monotonic() > deadline:
                now = rows[0][1] if rows else conn.execute("SELECT now()::text").fetchone()[0]  # type: ignore[index]
                return [int(r[0]) for r in rows], str(now)
            time.sleep(0.05)


def faults(rig: Rig, timing: Timing) -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    """(name, inject) pairs; inject blocks until the broken piece is started again and says what it did."""
    def postgres() -> dict[str, Any]:
        rig.pg.restart(timing.down)
        return {"down_s": timing.down}

    def redis() -> dict[str, Any]:
        rig.redis.restart(timing.down)
        return {"down_s": timing.down}

    def worker() -> dict[str, Any]:
        flying, killed_at = _in_flight(rig)
        rig.workers[0].kill9()
        time.sleep(1.0)  # a supervisor's restart delay
        rig.workers[0].start()
        return {"actions_in_flight_at_kill": len(flying), "in_flight_ids": flying, "killed_at": killed_at}

    def web() -> dict[str, Any]:
        assert rig.web is not None
        rig.web.kill9()
        time.sleep(0.5)
        rig.web.start()
        return {}

    return [("postgres_restart", postgres), ("redis_restart", redis), ("worker_kill9", worker),
            ("web_kill9", web)]


async def _health_back(rig: Rig, since: float, limit: float = 120) -> float | None:
    while time.monotonic() - since < limit:
        if (await asyncio.to_thread(rig.health))[0] == 200:
            return round(time.monotonic() - since, 2)
        await asyncio.sleep(0.2)
    return None


def _figures(ledger: Ledger, start: float, injected: float, back: float, end: float) -> dict[str, Any]:
    calls = [c for c in ledger.calls if start <= c.started < end]
    bad = [c for c in calls if c.status is None or c.status >= 500]
    ok_after = [c.started + c.seconds for c in calls if c.kind == "submit" and c.status == 201 and c.started >= back]
    # What users saw of the fault: from the first failure after it began to the last one before service resumed.
    resumed = min(ok_after) if ok_after else end
    outage = [c for c in bad if injected <= c.started + c.seconds and c.started <= resumed]
    during = [c for c in calls if injected - 1 <= c.started <= back + 5]
    return {
        "requests": len(calls),
        "answers": dict(Counter("no answer" if c.status is None else str(c.status) for c in calls)),
        "users_saw_errors_for_s": round(max(c.started + c.seconds for c in outage) - min(c.started for c in outage),
                                        2) if outage else 0.0,
        "errors_outside_the_fault": len(bad) - len(outage),
        "first_201_after_restart_s": round(min(ok_after) - back, 2) if ok_after else None,
        "slowest_answer_s": round(max((c.seconds for c in calls), default=0.0), 2),
        "around_fault": load_stats([c.seconds * 1000 for c in during if c.status in (200, 201)],
                                   max(0.001, back + 5 - injected), len([c for c in during if c.status not in
                                                                         (200, 201)])),
    }


async def run_phase(rig: Rig, ledger: Ledger, name: str, inject: Callable[[], dict[str, Any]],
                    timing: Timing) -> dict[str, Any]:
    """Load for lead + fault + tail seconds with the fault injected after `lead`."""
    assert rig.company is not None
    start = time.monotonic()
    seconds = timing.lead + timing.down + timing.tail
    loader = asyncio.create_task(run_load(rig.base_url, timing.clients, seconds, chaos_op(rig.company, ledger)))
    await asyncio.sleep(timing.lead)
    injected = time.monotonic()
    info = await asyncio.to_thread(inject)
    back = time.monotonic()
    health_s = await _health_back(rig, back)
    await loader
    figures = _figures(ledger, start, injected, back, time.monotonic())
    figures["processes_died"] = [p.name for p in [*rig.workers, *([rig.web] if rig.web else [])]
                                 if p.proc is None or p.proc.poll() is not None]
    recovery = figures["first_201_after_restart_s"]
    return {"fault": name, "fault_took_s": round(back - injected, 2), **info,
            "healthz_200_after_restart_s": health_s, **figures,
            "recovered": recovery is not None and recovery <= RECOVERY_LIMIT and health_s is not None
            and not figures["processes_died"]}
