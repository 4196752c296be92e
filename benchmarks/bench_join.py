"""Benchmark: the cost of a join. Service-level latency of completing a FORM task along one path, of a branch arriving
at a JOIN that still waits, and of the last branch (the JOIN completes and its next task is created), on PostgreSQL."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import stop_handles


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2)}


async def _measure(quick: bool) -> dict[str, Any]:
    import psycopg

    from tests.fixtures.bundles import install
    from tests.fixtures.flows import active, bundle, form, split_join
    from tests.fixtures.stack import ROOT, configure_environment, drop_database, start_stack
    from tests.fixtures.tenants import create_tenant, worker_actor
    from tfai.db.migrate import migrate
    from tfai.db.session import configure_engine
    from tfai.services.tasks import work
    from tfai.services.tickets import submission
    from tfai.settings import get_settings

    tickets = 30 if quick else 150
    stack, handles = start_stack(ROOT / ".tfai" / "bench")
    env = configure_environment(stack, Path(tempfile.mkdtemp(prefix="tfai-bench-")))
    next(env)
    get_settings.cache_clear()
    try:
        migrate(get_settings())
        configure_engine(pool_size=5)
        tenant = create_tenant(stack.database_url, "bench")
        await install(tenant, bundle=split_join(branches=3))
        await install(tenant, bundle=bundle("seq", [form("a"), form("b")], [("a", "b"), ("b", None)]))
        timings: dict[str, list[float]] = {"path": [], "arrive": [], "join": []}

        async def done(task: dict[str, Any]) -> float:
            began = time.perf_counter()
            await work.complete_form_task(worker_actor(tenant, task["assigned_to"]), task["id"], output={"ok": True})
            return (time.perf_counter() - began) * 1000

        with psycopg.connect(stack.database_url, autocommit=True) as owner:
            for _ in range(tickets):
                seq = (await submission.submit_ticket(tenant.requester.actor, ticket_type="seq", data={})).id
                timings["path"].append(await done(active(owner, seq, "a")[0]))
                par = (await submission.submit_ticket(tenant.requester.actor, ticket_type="par", data={"n": 1})).id
                await done(active(owner, par, "intake")[0])
                branches = active(owner, par)
                for task in branches[:-1]:
                    timings["arrive"].append(await done(task))
                timings["join"].append(await done(branches[-1]))
                assert len(active(owner, par, "done")) == 1
        return {"name": "join_cost", "tickets": tickets, "branches": 3,
                **{f"{k}_{m}": v for k, vs in timings.items() for m, v in _ms(vs).items()}}
    finally:
        drop_database(stack)
        stop_handles(handles)


def run(quick: bool = False) -> dict[str, Any]:
    """Start a database and Redis; complete tasks along one path and through a 3-branch join; report latencies."""
    return asyncio.run(_measure(quick))


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv)
    print(f"{result['tickets']} tickets, {result['branches']} branches per join (service calls, real PostgreSQL):")
    for what, label in (("path", "a completion along one path"), ("arrive", "a branch arriving, join waits"),
                        ("join", "the last branch: the join completes, its next task is created")):
        print(f"  {label}: p50 {result[f'{what}_p50_ms']} ms, p95 {result[f'{what}_p95_ms']} ms")
