"""Benchmark: complete a FORM task → next task created and assigned, at 10 clients; and the UPDATE ceiling."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import httpx
import psycopg

from benchmarks.bench_submit import Exhausted, Profiler, profiled, run_load, submit_op
from benchmarks.stats import throughput
from benchmarks.tenant import Company

CLIENTS = 10
_OPEN_TRIAGE = """
SELECT t.id, t.assigned_to FROM task_instances t JOIN task_definitions d ON d.id = t.task_definition_id
WHERE t.company_id = %s AND d.key = 'triage' AND t.t_status = 'OPEN' AND t.assigned_to IS NOT NULL ORDER BY t.id
"""


def open_triage(owner_url: str, company_id: int) -> deque[tuple[int, int]]:
    with psycopg.connect(owner_url, autocommit=True) as conn:
        return deque((int(r[0]), int(r[1])) for r in conn.execute(_OPEN_TRIAGE, (company_id,)).fetchall())


def complete_op(company: Company, pool: deque[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """POST /api/v1/tasks/{id}/complete as the task's assignee; success = 200 with a next task."""
    tokens = {w.id: w.headers for w in company.workers}

    async def op(client: httpx.AsyncClient, _n: int) -> bool:
        try:
            task_id, assignee = pool.popleft()
        except IndexError:
            raise Exhausted from None
        resp = await client.post(f"/api/v1/tasks/{task_id}/complete", headers=tokens[assignee],
                                 json={"output": {"accepted": True, "note": "bench"}})
        return resp.status_code == 200 and resp.json().get("next_task_id") is not None

    return op


async def update_ceiling(owner_url: str, seconds: float, connections: int = CLIENTS) -> float:
    """Single-row UPDATE transactions per second (autocommit, each connection on its own rows)."""
    rows_per_conn = 100
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ceiling")
        conn.execute("CREATE TABLE bench_ceiling (id integer PRIMARY KEY, v bigint NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO bench_ceiling (id) SELECT generate_series(0, %s)",
                     (connections * rows_per_conn - 1,))
    counts = [0] * connections
    deadline = time.perf_counter() + seconds

    async def loop(k: int) -> None:
        async with await psycopg.AsyncConnection.connect(owner_url, autocommit=True) as aconn:
            i = 0
            while time.perf_counter() < deadline:
                await aconn.execute("UPDATE bench_ceiling SET v = v + 1 WHERE id = %s",
                                    (k * rows_per_conn + i % rows_per_conn,))
                i += 1
            counts[k] = i

    start = time.perf_counter()
    await asyncio.gather(*[loop(k) for k in range(connections)])
    elapsed = time.perf_counter() - start
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_ceiling")
    return round(throughput(sum(counts), elapsed), 1)


async def _top_up(base_url: str, company: Company, needed: int) -> None:
    """Submit tickets until at least `needed` triage tasks are open (10 clients)."""
    op = submit_op(company)
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
        for start in range(0, needed, CLIENTS):
            await asyncio.gather(*[op(client, start + i) for i in range(CLIENTS)])


def run(base_url: str, owner_url: str, company: Company, *, quick: bool = False,
        profile: Profiler | None = None) -> dict[str, Any]:
    """{"transition_10": ..., "update_ceiling_per_s": ..., "transition_ratio": ...}."""
    seconds = 5.0 if quick else 30.0
    pool = open_triage(owner_url, company.id)
    minimum = 500 if quick else 3000
    if len(pool) < minimum:
        asyncio.run(_top_up(base_url, company, minimum - len(pool)))
        pool = open_triage(owner_url, company.id)
    result = profiled(profile, "transition_10",
                      lambda: asyncio.run(run_load(base_url, CLIENTS, seconds, complete_op(company, pool))))
    if not pool:
        result["note"] = "ran out of open tasks before the time was up"
    ceiling = asyncio.run(update_ceiling(owner_url, seconds))
    ratio = round(result["throughput_per_s"] / ceiling, 3) if ceiling and result["throughput_per_s"] else None
    return {"transition_10": result, "update_ceiling_per_s": ceiling, "transition_ratio": ratio}
