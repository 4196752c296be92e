"""The load during faults: requesters submit tickets, workers approve laptop requests; every answer is kept."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.bench_submit import Op
from benchmarks.tenant import TICKET_TYPE, Company, ticket_data

LAPTOP = "laptop"
MAX_CLIENT_WAIT = 5.0  # a polite client honours Retry-After, capped here
# Requests per second over all clients. Every second laptop request orders from a target that answers after 1 s;
# at this rate the orders stay within what the workers drain, so the run ends with the work settled.
RATE = 40.0


@dataclass
class Pacer:
    """Spaces calls 1/rate seconds apart over all clients sharing it (an open-loop rate cap)."""

    rate: float
    _next: float = 0.0

    async def wait(self) -> float:
        """Sleep until this call's slot (monotonic time), and return it."""
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)
        return slot


@dataclass
class Call:
    """One request: when it started (monotonic), how long it took, the status (None: no answer) and its shape."""

    kind: str
    started: float
    seconds: float
    status: int | None
    code: str | None = None
    retry_after: str | None = None
    json_error: bool = True


@dataclass
class Ledger:
    """What clients were told, to compare with the database afterwards."""

    calls: list[Call] = field(default_factory=list)
    tickets: set[int] = field(default_factory=set)  # answered 201 with this id
    laptop_tickets: set[int] = field(default_factory=set)
    unsure_submits: int = 0  # no answer or a 5xx: the ticket may or may not exist
    approvals: deque[tuple[int, int, bool]] = field(default_factory=deque)  # (task, assignee, tried before)
    approved: set[int] = field(default_factory=set)  # completion confirmed (200, or 409 after an unsure try)
    unsure_tasks: set[int] = field(default_factory=set)

    def record(self, kind: str, t0: float, resp: httpx.Response | None) -> Call:
        call = Call(kind, t0, time.monotonic() - t0, resp.status_code if resp is not None else None)
        if resp is not None and resp.status_code >= 400:
            call.retry_after = resp.headers.get("retry-after")
            try:
                body = resp.json()
                call.code = body["error"]["code"]
                call.json_error = isinstance(body["error"]["message"], str)
            except (ValueError, KeyError, TypeError):
                call.json_error = False
        self.calls.append(call)
        return call


async def _post(client: httpx.AsyncClient, url: str, **kw: Any) -> httpx.Response | None:
    try:
        return await client.post(url, **kw)
    except httpx.HTTPError:
        return None


async def _pause(call: Call) -> None:
    """Back off like a well-behaved client: Retry-After when given, half a second after no answer."""
    if call.status is None:
        await asyncio.sleep(0.5)
    elif call.status >= 500 or call.status == 429:
        try:
            wait = float(call.retry_after or 1)
        except ValueError:
            wait = 1.0
        await asyncio.sleep(min(MAX_CLIENT_WAIT, wait))


def chaos_op(company: Company, ledger: Ledger, rate: float | None = RATE) -> Op:
    """Every third call approves a pending laptop request (when there is one); the rest submit tickets."""
    workers = {w.id: w for w in company.workers}
    pacer = Pacer(rate) if rate else None

    async def submit(client: httpx.AsyncClient, n: int) -> bool:
        who = company.requesters[n % len(company.requesters)]
        laptop = n % 2 == 0
        body = ({"ticket_type": LAPTOP, "data": {"model": "pro-14", "price": 1000 + n % 500}} if laptop
                else {"ticket_type": TICKET_TYPE, "data": ticket_data(n)})
        t0 = time.monotonic()
        resp = await _post(client, "/api/v1/tickets", headers=who.headers, json=body)
        call = ledger.record("submit", t0, resp)
        if resp is not None and resp.status_code == 201:
            out = resp.json()
            ledger.tickets.add(out["id"])
            task = out.get("current_task") or {}
            if laptop:
                ledger.laptop_tickets.add(out["id"])
                if task.get("assignee_id") in workers:
                    ledger.approvals.append((task["id"], task["assignee_id"], False))
            return True
        if call.status is None or call.status >= 500:
            ledger.unsure_submits += 1
        await _pause(call)
        return False

    async def approve(client: httpx.AsyncClient) -> bool:
        task_id, assignee, tried = ledger.approvals.popleft()
        t0 = time.monotonic()
        resp = await _post(client, f"/api/v1/tasks/{task_id}/complete", headers=workers[assignee].headers,
                           json={"output": {"approved": True, "comment": "chaos"}})
        call = ledger.record("approve", t0, resp)
        if resp is not None and (resp.status_code == 200 or (resp.status_code == 409 and tried)):
            ledger.approved.add(task_id)
            ledger.unsure_tasks.discard(task_id)
            return True
        if call.status is None or call.status >= 500:
            # No answer, or 503 (a failed commit may still have landed): ask again; a 409 then means it had.
            ledger.approvals.append((task_id, assignee, True))
            ledger.unsure_tasks.add(task_id)
        await _pause(call)
        return False

    async def op(client: httpx.AsyncClient, n: int) -> bool:
        if pacer is not None:
            await pacer.wait()
        if n % 3 == 2 and ledger.approvals:
            return await approve(client)
        return await submit(client, n)

    return op


async def drain_approvals(base_url: str, company: Company, ledger: Ledger, seconds: float = 60) -> None:
    """After the faults: finish the approvals still queued (unsure ones get their 409 confirmation)."""
    op = chaos_op(company, ledger)
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        n = 2
        while ledger.approvals and time.monotonic() < deadline:
            await op(client, n)
            n += 3
