"""Benchmark: submit a ticket → its first task assigned, through the REST API, at 1, 10 and 50 clients."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from benchmarks import cpu
from benchmarks.profile import Recording
from benchmarks.stats import load
from benchmarks.tenant import TICKET_TYPE, Company, ticket_data

Op = Callable[[httpx.AsyncClient, int], Awaitable[bool]]
# profile(name) records the web process while its block runs (benchmarks/profile.py); None: no profiling.
Profiler = Callable[[str], contextlib.AbstractContextManager[Recording]]


class Exhausted(Exception):
    """Raised by an op when it has no more work: its loop ends without counting an error."""


async def run_load(base_url: str, clients: int, seconds: float, op: Op) -> dict[str, Any]:
    """`clients` concurrent loops calling op(client, n) for `seconds`; latency of each successful call."""
    samples: list[float] = []
    errors = 0
    counter = itertools.count()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def loop() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    ok = await op(client, next(counter))
                except Exhausted:
                    return
                except httpx.HTTPError:
                    ok = False
                if ok:
                    samples.append((time.perf_counter() - t0) * 1000)
                else:
                    errors += 1
                    if errors > 1000:
                        return

        await asyncio.gather(*[loop() for _ in range(clients)])
        elapsed = time.perf_counter() - start
    return load(samples, elapsed, errors)


def submit_op(company: Company) -> Op:
    """POST /api/v1/tickets as one of the requesters; success = 201 with the first task assigned."""
    async def op(client: httpx.AsyncClient, n: int) -> bool:
        who = company.requesters[n % len(company.requesters)]
        resp = await client.post("/api/v1/tickets", headers=who.headers,
                                 json={"ticket_type": TICKET_TYPE, "data": ticket_data(n)})
        if resp.status_code != 201:
            return False
        task = resp.json().get("current_task") or {}
        return task.get("assignee_id") is not None and task.get("status") == "OPEN"

    return op


async def warm_up(base_url: str, company: Company, n: int = 20) -> None:
    """A few submissions so connection pools and caches are warm before measuring."""
    op = submit_op(company)
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
        for i in range(n):
            await op(client, i)


def profiled(profile: Profiler | None, name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """cpu.measured(fn), recorded by py-spy when profiling (the summary lands in the result's "profile")."""
    if profile is None:
        return cpu.measured(fn)
    with profile(name) as rec:
        result = cpu.measured(fn)
    result["profile"] = rec.summary or {"error": rec.error}
    return result


def run(base_url: str, company: Company, *, quick: bool = False, profile: Profiler | None = None) -> dict[str, Any]:
    """{"submit_1": ..., "submit_10": ..., "submit_50": ...} against the running app (submit_10 profiled when
    asked)."""
    seconds = 5.0 if quick else 30.0
    asyncio.run(warm_up(base_url, company))
    out = {}
    for c in (1, 10, 50):
        def one(c: int = c) -> dict[str, Any]:
            return asyncio.run(run_load(base_url, c, seconds, submit_op(company)))

        out[f"submit_{c}"] = profiled(profile if c == 10 else None, f"submit_{c}", one)
    return out
