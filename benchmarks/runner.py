"""The order of a benchmark run (app build overlapped with data generation) and the printed table."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from typing import Any

from benchmarks import bench_lists, bench_submit, bench_transition, bench_ui, harness, profile, round_trips
from benchmarks.tenant import TICKET_TYPE, Company, create_company, issue_tokens, ticket_data

TARGETS = {
    "submit_10": "≥ 200/s, p95 ≤ 100 ms", "transition_10": "p95 ≤ 30 ms", "update_ceiling_per_s": "ratio ≥ 0.25",
    "sync_action_1": "p95 ≤ 150 ms", "sync_action_10": "p95 ≤ 100 ms", "list_first_page": "p95 ≤ 50 ms",
    "list_page_100": "p95 ≤ 50 ms", "list_custom_field": "p95 ≤ 50 ms", "my_tasks": "p95 ≤ 50 ms",
    "rls_overhead_ratio": "≤ 1.15×", "validator_200_tasks_ms": "≤ 50 ms", "ui_next_page": "p95 ≤ 150 ms",
}
NOTE_OF = {"submit": ("submit_1", "submit_10", "submit_50"), "transition": ("transition_10", "update_ceiling_per_s"),
           "ui": ("ui_next_page",), "lists": ("list_first_page", "list_page_100", "list_custom_field", "my_tasks",
                                              "rls_overhead_ratio"),
           "validator": ("validator_200_tasks_ms",), "actions": ("sync_action_1", "sync_action_10")}


def _setup_company(stack: harness.Stack) -> Company:
    async def make() -> Company:
        from tfai.db.session import dispose_engine

        try:
            return await create_company("main", workers=4, requesters=10)
        finally:
            await dispose_engine()

    company = asyncio.run(make())
    issue_tokens(stack.db_url(harness.BENCH_DB), company)
    return company


_UI_WORKFLOWS = """
INSERT INTO workflow_instances (company_id, workflow_definition_id, w_status, workflow_data)
SELECT %(cid)s, %(wdef)s, 'IN_PROGRESS',
       jsonb_build_object('ticket', jsonb_build_object('summary', 'UI page row ' || g, 'priority', 'low'),
                          'tasks', '{}'::jsonb, 'workflow', '{}'::jsonb)
FROM generate_series(1, %(n)s) g RETURNING id
"""
_UI_TICKETS = """
INSERT INTO ticket_instances (company_id, ticket_definition_id, workflow_instance_id, created_by, title, ticket_data)
SELECT %(cid)s, %(tdef)s, w.id, %(who)s, 'Issue: ' || (w.workflow_data->'ticket'->>'summary'), w.workflow_data->'ticket'
FROM workflow_instances w WHERE w.id = ANY(%(ids)s)
"""


def _ensure_ui_rows(app: harness.App, company: Company, owner_url: str) -> None:
    """Active tickets until 50 clicks on "next" each reach a new full page: inserted as the owner in one
    transaction (the UI benchmark measures paging, not submitting; 1 300 submissions over HTTP took ~45 s)."""
    import psycopg

    with psycopg.connect(owner_url) as conn:
        have = int(conn.execute("SELECT count(*) FROM ticket_instances WHERE company_id = %s AND NOT archived",
                                (company.id,)).fetchone()[0])  # type: ignore[index]
        missing = bench_ui.tickets_needed() - have
        if missing <= 0:
            return
        tdef, wdef = conn.execute(
            "SELECT t.id, w.id FROM ticket_definitions t JOIN workflow_definitions w ON w.company_id = t.company_id "
            "AND w.key = t.workflow_key WHERE t.company_id = %s ORDER BY t.version DESC, w.version DESC LIMIT 1",
            (company.id,)).fetchone()  # type: ignore[misc]
        ids = [int(r[0]) for r in conn.execute(_UI_WORKFLOWS, {"cid": company.id, "wdef": wdef, "n": missing})]
        conn.execute(_UI_TICKETS, {"cid": company.id, "tdef": tdef, "who": company.requesters[0].id, "ids": ids})


def _profiler(app: harness.App) -> bench_submit.Profiler:
    """Record the app's process tree with py-spy (summarised: its busiest process, the web one under these
    loads), into .tfai/bench/."""
    @contextlib.contextmanager
    def record(name: str) -> Iterator[profile.Recording]:
        with profile.record(name, app.proc.pid, harness.BENCH_DIR) as rec:
            yield rec

    return record


def _round_trips(stack: harness.Stack, company: Company) -> dict[str, Any]:
    """Round trips of one API submission, counted in this process (the app is stopped: nothing else runs)."""
    harness.use_database(stack, harness.BENCH_DB, migrate=False, pool_size=2)
    who = company.requesters[0]
    return asyncio.run(round_trips.per_submit(who.headers,
                                              lambda n: {"ticket_type": TICKET_TYPE, "data": ticket_data(n)}))


def run_all(run: Any, *, only: set[str], quick: bool, profiling: bool = False) -> dict[str, Any]:
    """Run the selected parts in an order that keeps measurements apart from builds; the machine info. With
    profiling, py-spy records the web process during submit_10 and transition_10 (it costs CPU: compare the CPU
    figures of runs without it)."""
    stack = harness.start_stack()
    app: harness.App | None = None
    try:
        machine = harness.machine(stack)
        owner_url = stack.db_url(harness.BENCH_DB)
        needs_app = bool(only & {"submit", "transition", "ui"})
        company: Company | None = None
        if needs_app:
            print(f"· fresh database {harness.BENCH_DB}, migrations, company…", flush=True)
            harness.fresh_database(stack, harness.BENCH_DB)
            harness.use_database(stack, harness.BENCH_DB)
            company = _setup_company(stack)
            app = harness.start_app(stack, harness.BENCH_DB)
            print(f"  app starting on port {app.port} (log: {app.log_path})", flush=True)
        if "lists" in only:  # data generation overlaps the app's build; measuring waits until it is stopped
            def prepare() -> None:
                bench_lists.prepare(stack, quick=quick)

            run.step("lists data", prepare)
        if app is not None and company is not None:
            started = app

            def ready() -> None:
                started.wait_ready()

            run.step("app ready", ready)
            if "app ready" in run.notes:
                for part in ("submit", "transition", "ui"):
                    run.notes[part] = f"skipped: the app did not start (see {app.log_path})"
            elif app.proc.poll() is None:
                prof = _profiler(app) if profiling else None
                if "submit" in only:
                    run.step("submit", lambda: bench_submit.run(app.base_url, company, quick=quick,  # type: ignore
                                                                profile=prof))
                if "transition" in only:
                    run.step("transition", lambda: bench_transition.run(app.base_url, owner_url, company,  # type: ignore
                                                                        quick=quick, profile=prof))
                if "ui" in only:
                    reason = bench_ui.unavailable()
                    if reason:
                        print(f"· ui: {reason}", flush=True)
                        run.notes["ui"] = reason
                    else:
                        def ui(app: harness.App = started, company: Company = company) -> dict[str, Any]:
                            _ensure_ui_rows(app, company, owner_url)
                            return bench_ui.run(app.base_url, company)

                        run.step("ui", ui)
            app.stop()
            app = None
            if "submit" in only and "app ready" not in run.notes:
                ready_company = company
                run.step("round trips", lambda: _round_trips(stack, ready_company))
        if "lists" in only:
            run.step("lists", lambda: bench_lists.run(stack, quick=quick))
        if "validator" in only:
            from benchmarks import bench_validator

            run.step("validator", lambda: {"validator": bench_validator.run(quick)})
        if "cel" in only:
            from benchmarks import bench_cel

            run.step("cel", lambda: {"cel": bench_cel.run(quick)})
        if "actions" in only:
            run.step("actions", lambda: _actions(stack, quick))
        if "timers" in only:
            from benchmarks import bench_timers

            run.step("timers", lambda: {"timers": bench_timers.run(quick)})
        return machine
    finally:
        if app is not None:
            app.stop()
        stack.stop()


def _actions(stack: harness.Stack, quick: bool) -> dict[str, Any] | None:
    """bench_actions.run starts its own database on the same server (TFAI_TEST_* say which)."""
    try:
        from benchmarks import bench_actions
    except Exception as exc:  # noqa: BLE001 - it is written by another engineer; skip with a clear line
        raise RuntimeError(f"benchmarks/bench_actions.py cannot be imported: {exc}") from exc
    saved = dict(os.environ)
    try:
        if stack.embedded:
            os.environ.pop("TFAI_TEST_DATABASE_URL", None)
            os.environ.pop("TFAI_TEST_REDIS_URL", None)
        else:
            os.environ["TFAI_TEST_DATABASE_URL"] = stack.admin_url
            os.environ["TFAI_TEST_REDIS_URL"] = stack.redis_url
        return {"actions": bench_actions.run(quick)}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        parts = []
        if value.get("throughput_per_s") is not None:
            parts.append(f"{value['throughput_per_s']}/s")
        parts += [f"{k[:-3]} {value[k]} ms" for k in ("p50_ms", "p95_ms", "p99_ms") if value.get(k) is not None]
        return ", ".join(parts) or ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
    return str(value)


def table(result: dict[str, Any], raw: dict[str, Any], notes: dict[str, str], *, quick: bool) -> str:
    """One table: figure, measured value, target, and why a figure is missing."""
    why = {fig: note for part, note in notes.items() for fig in NOTE_OF.get(part, ())}
    m = result["machine"]
    lines = [f"tfai benchmarks{' (quick)' if quick else ''}: {m['cpus']} CPUs, Python {m['python']}, "
             f"PostgreSQL {m['postgres']}, Redis {m['redis']}", "",
             f"{'figure':<24} {'measured':<52} target"]
    lines.append("-" * 100)
    for name, value in result["figures"].items():
        text = _fmt(value)
        if name == "update_ceiling_per_s" and value is not None:
            text = f"{value}/s; transitions/ceiling = {raw.get('transition_ratio')}"
        if value is None and name in why:
            text = why[name]
        lines.append(f"{name:<24} {text:<52} {TARGETS.get(name, '')}")
    for name in ("submit_10", "transition_10", "sync_action_10"):
        source = ((raw.get("actions") or {}).get("c10") if name == "sync_action_10" else raw.get(name)) or {}
        split = source.get("cpu")
        if split:
            parts = ", ".join(f"{k} {v['cores']} cores ({v['cpu_ms_per_op']} ms/op)" for k, v in split.items()
                              if isinstance(v, dict) and (v.get("cores") or 0) >= 0.02)
            lines.append(f"\nCPU during {name}: {parts}; all {split['total_cores']} of {split['cpus']} cores")
    data = raw.get("list_data")
    if data:
        lines.append(f"\nlists: {data['tickets_in_company']:,} tickets in the measured company, "
                     f"{data['tickets_total']:,} in all")
    return "\n".join(lines)
