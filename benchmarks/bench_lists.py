"""Benchmark: list latencies at 100k tickets in a company (services called directly), and the RLS overhead."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from benchmarks.lists_data import Target, find_target, generate, ticket_count
from benchmarks.stats import latency, median
from tfai.domain.policy import Actor

SIZES = {False: (1_000_000, 100_000), True: (100_000, 20_000)}
SEARCH = "C00042"  # the `customer` custom field of 1 ticket in 5000
WARM_UP = 6

# The list queries as the services send them (filters and count on ticket_instances / task_instances alone, the
# display joins for the page's rows only); {cf} is the company filter that RLS supplies for the app role and that
# the owner (RLS bypassed) has to write out.
_IDS = "SELECT t.id FROM ticket_instances t WHERE t.archived = false {cf}"
_COUNT = "SELECT count(*) FROM (" + _IDS + ") c"
_TICKETS = ("SELECT t.workflow_instance_id, t.id, t.title, t.ticket_data, t.created_at, d.key, d.title, w.w_status, "
            "u.email FROM (" + _IDS + " ORDER BY t.id DESC LIMIT 25 OFFSET {offset}) p "
            "JOIN ticket_instances t ON t.id = p.id JOIN ticket_definitions d ON d.id = t.ticket_definition_id "
            "JOIN workflow_instances w ON w.id = t.workflow_instance_id "
            "LEFT JOIN users u ON u.id = t.created_by {ucf} ORDER BY t.id DESC")
_FIELD = json.dumps({"customer": SEARCH})
_FIELD_RLS = f" AND t.id IN (SELECT tfai_tickets_with_data('{_FIELD}'))"  # what the service sends
_FIELD_OWNER = f" AND t.ticket_data @> '{_FIELD}'"  # the owner's equivalent (the GIN index applies without RLS)
_CURRENT = ("SELECT k.id, td.key, u.email FROM task_instances k "
            "JOIN task_definitions td ON td.id = k.task_definition_id "
            "LEFT JOIN users u ON u.id = k.assigned_to {ucf} WHERE k.workflow_instance_id = ANY(%(ids)s) "
            "AND k.t_status IN ('OPEN', 'IN_PROGRESS', 'PENDING', 'ERROR') {kcf} ORDER BY k.id DESC")
_MINE_IDS = ("SELECT k.id FROM task_instances k WHERE k.assigned_to = %(me)s "
             "AND k.t_status IN ('PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR') {kcf}")
_MINE_COUNT = "SELECT count(*) FROM (" + _MINE_IDS + ") c"
_MINE = ("SELECT k.id, td.key, t.id, t.title, d.key, u.email FROM (" + _MINE_IDS + " ORDER BY k.id LIMIT 25) p "
         "JOIN task_instances k ON k.id = p.id JOIN task_definitions td ON td.id = k.task_definition_id "
         "JOIN ticket_instances t ON t.workflow_instance_id = k.workflow_instance_id "
         "JOIN ticket_definitions d ON d.id = t.ticket_definition_id LEFT JOIN users u ON u.id = k.assigned_to "
         "{ucf} ORDER BY k.id")


def _queries(cid: int | None) -> dict[str, list[str]]:
    """Statement lists per list; with cid the company predicates are explicit (the owner's version)."""
    if cid is None:
        cf = ucf = kcf = ""
        field = _FIELD_RLS
    else:
        cf = f"AND t.company_id = {cid}"
        ucf = f"AND u.company_id = {cid}"
        kcf = f"AND k.company_id = {cid}"
        field = _FIELD_OWNER
    current = _CURRENT.replace("{ucf}", ucf).replace("{kcf}", kcf)
    tickets = _TICKETS.replace("{ucf}", ucf)
    return {
        "list_first_page": [_COUNT.replace("{cf}", cf), tickets.replace("{cf}", cf).replace("{offset}", "0"),
                            current],
        "list_page_100": [_COUNT.replace("{cf}", cf), tickets.replace("{cf}", cf).replace("{offset}", "2475"),
                          current],
        "list_custom_field": [_COUNT.replace("{cf}", cf + field),
                              tickets.replace("{cf}", cf + field).replace("{offset}", "0"), current],
        "my_tasks": [_MINE_COUNT.replace("{kcf}", kcf), _MINE.replace("{kcf}", kcf).replace("{ucf}", ucf)],
    }


def _run_sql(conn: psycopg.Connection, statements: list[str], me: int, company: int) -> float:
    """Run one list's statements in one transaction after setting the tenant; ms.

    Both sides set the tenant (the owner bypasses RLS, so it changes nothing there): the ratio compares the same
    list queries with and without row-level security, not one extra round trip.
    """
    t0 = time.perf_counter()
    with conn.transaction():
        conn.execute("SELECT set_config('app.company_id', %s, true)", (str(company),))
        ids: list[int] = []
        for sql in statements:
            rows = conn.execute(sql, {"ids": ids, "me": me}).fetchall()
            if "LIMIT 25" in sql and "workflow" in sql and rows:
                ids = [r[0] for r in rows]
    return (time.perf_counter() - t0) * 1000


def rls_overhead(app_url: str, owner_url: str, target: Target, runs: int) -> dict[str, Any]:
    """Median time of each list's SQL as the app role (RLS on) and the owner (RLS off); their ratio."""
    out: dict[str, Any] = {}
    app_q, own_q = _queries(None), _queries(target.company_id)
    with psycopg.connect(app_url) as app, psycopg.connect(owner_url) as own:
        for name in app_q:
            a, o = [], []
            for _ in range(WARM_UP):  # both sides reach psycopg's prepared statements (5th execution) first
                _run_sql(app, app_q[name], target.busy_worker_id, target.company_id)
                _run_sql(own, own_q[name], target.busy_worker_id, target.company_id)
            for _ in range(max(runs, 50)):
                a.append(_run_sql(app, app_q[name], target.busy_worker_id, target.company_id))
                o.append(_run_sql(own, own_q[name], target.busy_worker_id, target.company_id))
            out[name] = {"rls_on_ms": round(median(a), 2), "rls_off_ms": round(median(o), 2)}
    on = sum(v["rls_on_ms"] for v in out.values())
    off = sum(v["rls_off_ms"] for v in out.values())
    return {"ratio": round(on / off, 3) if off else None, "queries": out}


async def _time(fn: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await fn()  # warm
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


async def service_latencies(target: Target, runs: int) -> dict[str, Any]:
    from tfai.services.tasks import work
    from tfai.services.tickets import tracking

    admin = Actor(user_id=target.ticket_admin_id, company_id=target.company_id,
                  system_roles=frozenset({"ticket_admin", "user"}), company_roles=frozenset({"user"}))
    worker = Actor(user_id=target.busy_worker_id, company_id=target.company_id,
                   system_roles=frozenset({"task_worker", "user"}), company_roles=frozenset({"user"}))
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "list_first_page": lambda: tracking.list_tickets(admin, scope="company", page=1),
        "list_page_100": lambda: tracking.list_tickets(admin, scope="company", page=100),
        "list_custom_field": lambda: tracking.list_tickets(admin, scope="company", fields={"customer": SEARCH}),
        "my_tasks": lambda: work.list_tasks(worker, scope="mine"),
        # Free-text search over title and ticket data (substring: no index serves it); reported in the detail.
        "list_search": lambda: tracking.list_tickets(admin, scope="company", search=SEARCH),
    }
    return {name: latency(await _time(fn, runs)) for name, fn in calls.items()}


def prepare(stack: Any, *, quick: bool = False) -> None:
    """Make sure the list database holds the data (reused when it has at least as many tickets)."""
    from benchmarks.harness import LISTS_DB, database_exists, fresh_database, use_database
    from tfai.db.session import dispose_engine

    total, big = SIZES[quick]
    owner_url = stack.db_url(LISTS_DB)
    have = ticket_count(owner_url) if database_exists(stack, LISTS_DB) else 0
    if have >= total:
        print(f"  reusing {LISTS_DB} ({have:,} tickets)", flush=True)
        use_database(stack, LISTS_DB)
        return
    print(f"  generating {total:,} tickets in {LISTS_DB}…", flush=True)
    fresh_database(stack, LISTS_DB)
    use_database(stack, LISTS_DB)

    async def gen() -> None:
        try:
            await generate(owner_url, total, big)
        finally:
            await dispose_engine()

    asyncio.run(gen())


def run(stack: Any, *, quick: bool = False) -> dict[str, Any]:
    """Measure the lists (services called directly) and the RLS overhead; the figures of latest.json."""
    from benchmarks.harness import LISTS_DB
    from tfai.db.session import dispose_engine
    from tfai.db.urls import app_url
    from tfai.settings import get_settings

    prepare(stack, quick=quick)
    owner_url = stack.db_url(LISTS_DB)
    target = find_target(owner_url)
    runs = 20 if quick else 100

    async def measure() -> dict[str, Any]:
        try:
            return await service_latencies(target, runs)
        finally:
            await dispose_engine()

    figures = asyncio.run(measure())
    url = app_url(get_settings()).set(drivername="postgresql").render_as_string(hide_password=False)
    rls = rls_overhead(url, owner_url, target, runs)
    return {**figures, "rls_overhead_ratio": rls["ratio"], "rls_detail": rls["queries"],
            "list_data": {"tickets_total": target.tickets_total, "tickets_in_company": target.tickets_in_company}}
